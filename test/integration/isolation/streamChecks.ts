/**
 * The checks for long-lived routes, where a leak is an event pushed to the
 * wrong listener rather than an answer: the event feed (Server-Sent Events)
 * and the WebSocket. They run after the request attacks, while A is active.
 */
import { poll, type Credential, type GatewayClient, type TestSocket } from '../../support/gatewayClient';
import type { StreamContext } from './routeRow';
import { leaksIn } from './verdict';
import { secret, type World } from './world';

/** A's legitimate activity on V1's conversation (a message from V1, a reply, a note), its texts added to the secrets. */
export function activityOfA(api: GatewayClient, w: World): () => Promise<string[]> {
  const { a } = w;
  return async () => {
    const fromV1 = secret('live message from V1');
    const reply = secret('live reply to V1');
    const note = secret('live internal note');
    await api.ok('POST', `/v1/visitor/conversations/${a.c1}/messages`, a.v1.token, { text: fromV1 });
    await api.ok('POST', `/v1/conversations/${a.c1}/messages`, a.agent, { text: reply });
    await api.ok('POST', `/v1/conversations/${a.c1}/notes`, a.agent, { text: note });
    w.secrets.push(fromV1, reply, note);
    return [reply, fromV1, note];
  };
}

/** `GET /v1/events` from the start: B's key reads B's events only; A's key (the control) reads A's. */
export async function eventHistoryStaysInTenant(w: World, { api }: StreamContext): Promise<void> {
  const [theirs, ours] = await Promise.all([api.readEvents('/v1/events?after=0', w.b.key, 2_500), api.readEvents('/v1/events?after=0', w.a.eventsKey, 2_500)]);
  expect([theirs.status, ours.status]).toEqual([200, 200]);
  expect(ours.text).toContain(w.a.c1);
  expect(leaksIn(theirs.text, w.secrets, w.known.get(w.b.key))).toEqual([]);
}

/** `GET /v1/realtime`: B's staff, B's visitor with V1's customer id and V2 listen (live and replaying) while A is active; none hears of it. */
export async function realtimeStaysInTenant(w: World, { api, activityOfA }: StreamContext): Promise<void> {
  const bearer = (c: Credential) => ('bearer' in c ? c.bearer : '');
  const listen = async (who: string, credential: Credential, after = '') => ({ who, credential, socket: await api.openSocket(`/v1/realtime${after}`, bearer(credential)) });
  const listeners = [
    await listen('tenant B admin', w.b.admin),
    await listen('tenant B agent (same subject as A\'s agent)', w.b.agent),
    await listen('tenant B admin replaying from 0', w.b.admin, '?after=0'),
    await listen('tenant B visitor with V1\'s customer id, replaying from 0', w.b.sameCustomer.token, '?after=0'),
    await listen('visitor V2', w.a.v2.token),
    await listen('visitor V2 replaying from 0', w.a.v2.token, '?after=0'),
  ];
  // The controls: A's agent and V1 do receive A's activity, so silence elsewhere means something.
  const agentA = await api.openSocket('/v1/realtime', bearer(w.a.agent));
  const v1 = await api.openSocket('/v1/realtime', bearer(w.a.v1.token));
  const [bAdmin, , , , v2] = listeners.map((l) => l.socket) as [TestSocket, TestSocket, TestSocket, TestSocket, TestSocket];
  try {
    // Typing into V1's conversation: V2 is told it does not exist; B's staff typing stays in B.
    v2.send({ type: 'typing', conversationId: w.a.c1, typing: true });
    bAdmin.send({ type: 'typing', conversationId: w.a.c1, typing: true });
    const texts = await activityOfA();
    for (const text of texts) {
      await poll(async () => agentA.frames.some((f) => JSON.stringify(f).includes(text)), 20_000, `A's agent receiving "${text}"`);
    }
    await poll(async () => v1.frames.some((f) => JSON.stringify(f).includes(texts[0]!)), 20_000, 'V1 receiving the reply');
    await poll(async () => v2.frames.find((f) => f.type === 'error'), 5_000, 'V2 told off for typing');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(v2.frames.find((f) => f.type === 'error')).toMatchObject({ code: 'not_found' });
    expect(v1.frames.filter((f) => f.type === 'typing')).toEqual([]);
    expect(agentA.frames.filter((f) => f.type === 'typing')).toEqual([]);
    // Every listener was handed c1's id by the typing attack; what matters is that no event about c1 reached them.
    const leaks = listeners.flatMap(({ who, credential, socket }) =>
      socket.frames.flatMap((f) =>
        [...leaksIn(JSON.stringify(f), w.secrets, [...(w.known.get(credential) ?? []), w.a.c1]), ...(f.subject === w.a.c1 ? [`an event of ${w.a.c1}`] : [])].map(
          (l) => `${who} received ${JSON.stringify(l)} in ${JSON.stringify(f).slice(0, 300)}`,
        ),
      ),
    );
    expect(leaks).toEqual([]);
  } finally {
    for (const s of [...listeners.map((l) => l.socket), agentA, v1]) s.close();
  }
}
