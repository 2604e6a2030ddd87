/**
 * The relay against a real nats-server and each SQL event store: every
 * appended event reaches JetStream exactly once, each conversation's in
 * commit order, as a CloudEvent; restarts resume from the checkpoint.
 * Each test gets its own NATS server and event store.
 */
import { createLogger } from '@contactcenter/infra';
import { createEventStore, type EventStore, type EventToAppend } from '@contactcenter/infra/eventstore';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { freshPostgresDatabase } from '../../../../test/support/postgres';
import { RelayCheckpoints } from './checkpointStore';
import { DEFAULT_STREAM } from '@contactcenter/infra/events';
import { readRelayedEvents } from './readRelayedEvents';
import { EventRelay, type EventRelayOptions } from './relay';

jest.setTimeout(60_000);

const logger = createLogger('relay-test', process.env.LOG_LEVEL ?? 'silent');

type Backend = { name: string; open(): Promise<{ store: EventStore; stop(): Promise<void> }> };
const backends: Backend[] = [
  {
    name: 'PGlite (memory)',
    open: async () => {
      const store = await createEventStore('pglite://memory');
      return { store, stop: () => store.close() };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const db = await freshPostgresDatabase();
      const store = await createEventStore(db.url, { poolSize: 4 });
      return {
        store,
        stop: async () => {
          await store.close();
          await db.stop();
        },
      };
    },
  },
];

const conversationEvent = (tenant: string, conversation: string, type: string, data: unknown = { n: 1 }): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata: { tenant_id: tenant, conversation_id: conversation, actor_id: 'u1' },
});

/** Appends a started conversation with `messages` messages; returns the ids in order. */
async function appendConversation(store: EventStore, tenant: string, conversation: string, messages: number): Promise<string[]> {
  const events = [
    conversationEvent(tenant, conversation, 'ConversationStarted', { channel: 'chat' }),
    ...Array.from({ length: messages }, (_, i) => conversationEvent(tenant, conversation, 'MessagePosted', { text: `message ${i}` })),
  ];
  await store.appendToStream(`conversation-${tenant}:${conversation}`, events, { expectedRevision: 'no_stream' });
  return events.map((e) => e.id);
}

async function waitForStreamCount(nc: NatsConnection, count: number, timeoutMs = 20_000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { state } = await jsm.streams.info(DEFAULT_STREAM).catch(() => ({ state: { messages: -1 } }));
    if (state.messages >= count) return;
    if (Date.now() > deadline) throw new Error(`stream holds ${state.messages} messages, expected ${count}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The store's global log without internal streams: what the relay must deliver, each conversation's in order. */
async function expectedLog(store: EventStore) {
  return (await store.readAll()).filter((e) => !e.streamId.startsWith('$'));
}

/** Event ids by the stream (conversation) they belong to, in the order given. */
function byStream(ids: readonly string[], streamOf: (id: string) => string): Map<string, string[]> {
  const streams = new Map<string, string[]>();
  for (const id of ids) {
    const stream = streamOf(id);
    const list = streams.get(stream);
    if (list) list.push(id);
    else streams.set(stream, [id]);
  }
  return streams;
}

/** JetStream holds exactly the expected events, each conversation's in the order of the log (conversations may interleave otherwise). */
function expectEachConversationInLogOrder(relayedIds: readonly string[], expected: readonly { id: string; streamId: string }[]) {
  expect([...relayedIds].sort()).toEqual(expected.map((e) => e.id).sort());
  const streamOf = new Map(expected.map((e) => [e.id, e.streamId]));
  const of = (id: string) => streamOf.get(id)!;
  expect(byStream(relayedIds, of)).toEqual(byStream(expected.map((e) => e.id), of));
}

describe.each(backends)('EventRelay over $name', (backend) => {
  let nats: TestNats;
  let nc: NatsConnection;
  let store: EventStore;
  let stopStore: () => Promise<void>;
  const relays: EventRelay[] = [];

  const startRelay = async (options: Partial<EventRelayOptions> = {}) => {
    const relay = await EventRelay.start({ events: store, nats: nc, logger, region: 'eu-test', checkpointIntervalMs: 50, ...options });
    relays.push(relay);
    return relay;
  };

  beforeEach(async () => {
    nats = await freshNats();
    nc = await connect({ servers: nats.url });
    ({ store, stop: stopStore } = await backend.open());
  });

  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    await nc.close();
    await stopStore();
    await nats.stop();
  });

  it('relays the events of two tenants once each, each conversation\'s in commit order, as CloudEvents; internal streams stay inside', async () => {
    const acme = await appendConversation(store, 'acme', 'c1', 3);
    const globex = await appendConversation(store, 'globex', 'c2', 2);
    await store.appendToStream('$snapshot-conversation-acme:c1', [{ id: randomUUID(), type: 'Snapshot', data: { state: {} }, metadata: { tenant_id: 'acme' } }]);
    await startRelay();
    // and live, after the relay caught up
    const acme2 = await appendConversation(store, 'acme', 'c3', 1);
    const total = acme.length + globex.length + acme2.length;
    await waitForStreamCount(nc, total);

    const relayed = await readRelayedEvents(nc);
    const log = await expectedLog(store);
    expectEachConversationInLogOrder(relayed.map((m) => m.event.id), log);
    expect(relayed).toHaveLength(total);
    expect(new Set(relayed.map((m) => m.event.id)).size).toBe(total);

    const byId = new Map(log.map((e) => [e.id, e]));
    for (const { subject, event } of relayed) {
      const stored = byId.get(event.id)!;
      expect(subject).toBe(`cc.${stored.metadata.tenant_id}.conversation.${stored.type}.${stored.metadata.conversation_id}`);
      expect(event).toEqual({
        specversion: '1.0',
        id: stored.id,
        source: '/contactcenter/eu-test/conversation',
        type: `contactcenter.conversation.v1.${stored.type}`,
        subject: stored.metadata.conversation_id,
        time: stored.recordedAt.toISOString(),
        datacontenttype: 'application/json',
        tenantid: stored.metadata.tenant_id,
        sequence: String(stored.revision),
        position: stored.position,
        data: stored.data,
      });
    }
    expect(relayed.some((m) => m.event.type.endsWith('Snapshot'))).toBe(false);

    // Consumers filter by tenant with the subject.
    const onlyGlobex = await readRelayedEvents(nc, { filter: 'cc.globex.>' });
    expect(onlyGlobex.map((m) => m.event.id)).toEqual(globex);
  });

  it('resumes from its checkpoint: no republish, and what was appended meanwhile follows', async () => {
    const first = await appendConversation(store, 'acme', 'c1', 4);
    const relay = await startRelay();
    await waitForStreamCount(nc, first.length);
    await relay.stop();
    const log = await expectedLog(store);
    const checkpoint = await (await RelayCheckpoints.open(nc)).load('conversation');
    expect(checkpoint?.position).toBe(log[log.length - 1]!.position);

    const second = [...(await appendConversation(store, 'acme', 'c2', 2)), ...(await appendConversation(store, 'globex', 'c3', 1))];
    const acks: boolean[] = [];
    const again = await startRelay({ observer: { relayed: (_e, ack) => acks.push(ack.duplicate) } });
    await waitForStreamCount(nc, first.length + second.length);
    await new Promise((r) => setTimeout(r, 300)); // room for a republish, were there one
    await again.stop();

    expect(acks).toEqual(second.map(() => false)); // only the new events were published at all
    const relayed = await readRelayedEvents(nc);
    expect(relayed.slice(0, first.length).map((m) => m.event.id)).toEqual(first); // one conversation before the restart
    expectEachConversationInLogOrder(relayed.map((m) => m.event.id), await expectedLog(store));
  });

  it('a crash before the checkpoint save is absorbed by JetStream dedup', async () => {
    const ids = await appendConversation(store, 'acme', 'c1', 5);
    const relay = await startRelay();
    await waitForStreamCount(nc, ids.length);
    await relay.stop();
    // As if the relay had died right after its PubAcks, before saving any checkpoint.
    await (await RelayCheckpoints.open(nc)).reset('conversation');

    const acks: boolean[] = [];
    const again = await startRelay({ observer: { relayed: (_e, ack) => acks.push(ack.duplicate) } });
    const deadline = Date.now() + 10_000;
    while (acks.length < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    await again.stop();

    expect(acks).toEqual(ids.map(() => true)); // republished, and dropped by Nats-Msg-Id
    expect((await readRelayedEvents(nc)).map((m) => m.event.id)).toEqual(ids);
  });

  it('passes over events it can never publish and keeps relaying the others', async () => {
    await store.appendToStream('conversation-acme:bad', [{ id: randomUUID(), type: 'ConversationStarted', data: {}, metadata: {} }]);
    await store.appendToStream('conversation-a.b:bad', [{ id: randomUUID(), type: 'ConversationStarted', data: {}, metadata: { tenant_id: 'a.b' } }]);
    const good = await appendConversation(store, 'acme', 'c1', 1);
    const passedOver: string[] = [];
    await startRelay({ observer: { unpublishable: (e) => passedOver.push(e.streamId) } });
    await waitForStreamCount(nc, good.length);
    expect(passedOver).toEqual(['conversation-acme:bad', 'conversation-a.b:bad']);
    expect((await readRelayedEvents(nc)).map((m) => m.event.id)).toEqual(good);
  });
});
