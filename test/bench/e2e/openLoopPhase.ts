/**
 * One phase of open-loop load: `rate` messages/s for `seconds`, sent on a
 * fixed schedule whatever the answers (so that a slow stack is not offered
 * less), round robin over the phase's conversations; then a drain until every
 * accepted message is on its assigned agent's socket. Latency runs from just
 * before the POST to the frame's arrival.
 */
import { sleep } from './clock';
import type { CpuMeter } from './cpuMeter';
import { isAccepted, type Conversation, type DeliveryLedger, type SentMessage } from './deliveryLedger';
import type { GatewayHttp } from './gatewayHttp';
import { logPhaseResult, phaseResult, type PhaseResult } from './phaseResult';
import { settings } from './settings';

export interface PhaseDeps {
  http: GatewayHttp;
  ledger: DeliveryLedger;
  meter: CpuMeter;
}

export async function runOpenLoopPhase({ http, ledger, meter }: PhaseDeps, name: string, rate: number, seconds: number, conversations: Conversation[]): Promise<PhaseResult> {
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const mine: SentMessage[] = [];
  const posts: Promise<void>[] = [];
  const duplicatesBefore = ledger.duplicates;
  const send = (i: number, scheduledAt: number) => {
    const conversation = conversations[i % conversations.length]!;
    const clientMessageId = `${name}-${i}`;
    const s: SentMessage = { phase: name, conversation, t0: 0, wall0: Date.now(), scheduledLagMs: 0, arrivals: 0 };
    ledger.record(clientMessageId, s);
    mine.push(s);
    const body = { text: `Hello, this is message ${i} of ${name}: where is my order?`, clientMessageId, language: 'en' };
    s.t0 = performance.now();
    s.scheduledLagMs = s.t0 - scheduledAt;
    posts.push(
      http.request('POST', `/v1/visitor/conversations/${conversation.id}/messages`, conversation.visitorToken, body).then(
        (res) => {
          s.answeredAt = performance.now();
          s.status = res.status;
          if (res.status !== 201) s.error = `HTTP ${res.status}${res.status === 429 ? ' (rate limited)' : ''}`;
        },
        (err: Error) => {
          s.answeredAt = performance.now();
          s.error = err.message.slice(0, 80);
        },
      ),
    );
  };
  const stopMeter = meter.start();
  const begin = performance.now() + 5;
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && begin + i * interval <= now) {
        send(i, begin + i * interval);
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, begin + i * interval - performance.now() - 0.5));
    };
    setTimeout(tick, 5);
  });
  const sendWindowS = Math.max(seconds, (mine.at(-1)!.t0 - mine[0]!.t0) / 1000 + interval / 1000);
  await Promise.all(posts);
  // Drain: every accepted message on its agent's socket, or `drainMs` after the last answer.
  const drainUntil = performance.now() + settings.drainMs;
  while (performance.now() < drainUntil && mine.some((s) => isAccepted(s) && s.arrivals === 0)) await sleep(20);
  const cpu = stopMeter();
  await sleep(300); // a duplicate would come right behind

  const result = phaseResult({ name, rate, conversations: conversations.length, messages: mine, sendWindowS, duplicates: ledger.duplicates - duplicatesBefore, cpu });
  logPhaseResult(result);
  return result;
}
