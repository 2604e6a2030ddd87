/**
 * The relay's publish window on its own: JetStream's acknowledgements are
 * played by hand (each send waits until the test settles it), so the order of
 * sends, passes and retries can be checked exactly.
 */
import type { RecordedEvent } from '@contactcenter/infra/eventstore';
import { PublishWindow } from './publishWindow';

let position = 0;
const event = (streamId: string): RecordedEvent =>
  ({ id: `e${++position}`, streamId, revision: 0, position: String(position), type: 'T', data: {}, metadata: {}, recordedAt: new Date() }) as RecordedEvent;

/** Sends that wait for the test to say how they went. */
function scripted(size: number) {
  const sends: { event: RecordedEvent; settle(outcome: 'ok' | 'failed'): void }[] = [];
  const retried: string[] = [];
  const passed: string[] = [];
  let halted = false;
  let retryAcks = true;
  const window = new PublishWindow(size, {
    sendOnce: (e) => new Promise((resolve) => sends.push({ event: e, settle: resolve })),
    sendUntilAcked: async (e) => {
      retried.push(e.id);
      return retryAcks;
    },
    passed: async (e) => {
      passed.push(e.id);
    },
    halted: () => halted,
  });
  return {
    window,
    sends,
    retried,
    passed,
    halt: () => (halted = true),
    retriesFail: () => (retryAcks = false),
    settle: async (id: string, outcome: 'ok' | 'failed') => {
      sends.find((s) => s.event.id === id)!.settle(outcome);
      await new Promise((r) => setImmediate(r));
    },
  };
}

const ids = (events: RecordedEvent[]) => events.map((e) => e.id);

it('sends events of different conversations without waiting, and passes them in log order whatever order the acks come in', async () => {
  const w = scripted(8);
  const events = [event('a'), event('b'), event('c')];
  for (const e of events) expect(await w.window.push(e)).toBe(true);
  expect(ids(w.sends.map((s) => s.event))).toEqual(ids(events));

  await w.settle(events[2]!.id, 'ok');
  await w.settle(events[1]!.id, 'ok');
  expect(w.passed).toEqual([]); // the first is still in flight: the checkpoint may not move past it
  await w.settle(events[0]!.id, 'ok');
  expect(w.passed).toEqual(ids(events));
  expect(w.window.inFlight).toBe(0);
});

it('sends the next event of a conversation once the previous one is acknowledged, and other conversations\' events meanwhile', async () => {
  const w = scripted(8);
  const [first, second, other] = [event('a'), event('a'), event('b')];
  for (const e of [first, second, other]) expect(await w.window.push(e)).toBe(true);
  await new Promise((r) => setImmediate(r));
  // The second event of a waits in the window; b's goes past it.
  expect(ids(w.sends.map((s) => s.event))).toEqual([first.id, other.id]);
  expect(w.window.inFlight).toBe(3);
  await w.settle(other.id, 'ok');
  await w.settle(first.id, 'ok');
  expect(ids(w.sends.map((s) => s.event))).toEqual([first.id, other.id, second.id]);
  expect(w.passed).toEqual([first.id]); // the checkpoint stays before the unacknowledged second event of a
  await w.settle(second.id, 'ok');
  expect(w.passed).toEqual([first.id, second.id, other.id]);
  expect(w.window.inFlight).toBe(0);
});

it('never sends an event whose conversation\'s previous one failed: the recovery publishes both again, in order', async () => {
  const w = scripted(8);
  const [first, second, other] = [event('a'), event('a'), event('b')];
  for (const e of [first, second, other]) await w.window.push(e);
  await w.settle(other.id, 'ok');
  await w.settle(first.id, 'failed');
  await new Promise((r) => setImmediate(r));
  expect(ids(w.sends.map((s) => s.event))).toEqual([first.id, other.id]); // the second was never sent on its own
  expect(w.retried).toEqual([first.id, second.id]);
  expect(w.passed).toEqual([first.id, second.id, other.id]);
  expect(w.window.inFlight).toBe(0);
});

it('a conversation\'s waiting event counts against the window', async () => {
  const w = scripted(2);
  const [first, second, other] = [event('a'), event('a'), event('b')];
  await w.window.push(first);
  await w.window.push(second);
  let pushed = false;
  const pushing = w.window.push(other).then((ok) => (pushed = ok));
  await new Promise((r) => setImmediate(r));
  expect(pushed).toBe(false);
  await w.settle(first.id, 'ok');
  await new Promise((r) => setImmediate(r));
  expect(pushed).toBe(true);
  expect(ids(w.sends.map((s) => s.event))).toEqual([first.id, second.id, other.id]);
  await pushing;
});

it('sends at most `size` at once', async () => {
  const w = scripted(2);
  const [a, b, c] = [event('a'), event('b'), event('c')];
  await w.window.push(a);
  await w.window.push(b);
  const third = w.window.push(c);
  await new Promise((r) => setImmediate(r));
  expect(w.sends).toHaveLength(2);
  await w.settle(a.id, 'ok');
  await third;
  expect(w.sends).toHaveLength(3);
});

it('after a failed publish: waits for those in flight, passes them in order and publishes the failed one again before anything new', async () => {
  const w = scripted(8);
  const [a, b, c] = [event('a'), event('b'), event('c')];
  for (const e of [a, b, c]) await w.window.push(e);
  await w.settle(b.id, 'failed');
  await w.settle(a.id, 'ok');
  expect(w.passed).toEqual([]); // recovery waits for c, still in flight, before passing anything
  const d = event('d');
  const pushing = w.window.push(d);
  await new Promise((r) => setImmediate(r));
  expect(w.sends).toHaveLength(3); // nothing new while c is in flight and b not yet republished
  await w.settle(c.id, 'ok');
  expect(await pushing).toBe(true);
  expect(w.retried).toEqual([b.id]);
  expect(w.passed).toEqual([a.id, b.id, c.id]);
  expect(w.sends.at(-1)!.event.id).toBe(d.id);
});

it('a failure is retried at once even when no further event comes', async () => {
  const w = scripted(8);
  const a = event('a');
  await w.window.push(a);
  await w.settle(a.id, 'failed');
  await new Promise((r) => setImmediate(r));
  expect(w.retried).toEqual([a.id]);
  expect(w.passed).toEqual([a.id]);
});

it('halted: nothing more is sent, and a failed event is neither retried nor passed', async () => {
  const w = scripted(8);
  const [a, b] = [event('a'), event('b')];
  await w.window.push(a);
  await w.window.push(b);
  w.halt();
  expect(await w.window.push(event('c'))).toBe(false);
  await w.settle(a.id, 'failed');
  await w.settle(b.id, 'ok');
  expect(await w.window.drain()).toBe(false);
  expect(w.retried).toEqual([]);
  expect(w.passed).toEqual([]); // b was acknowledged, but a before it was not: the checkpoint stays before both
  expect(w.sends).toHaveLength(2);
});

it('drain waits for every publish in flight and passes them', async () => {
  const w = scripted(8);
  const [a, b] = [event('a'), event('b')];
  await w.window.push(a);
  await w.window.push(b);
  const drained = w.window.drain();
  await w.settle(b.id, 'ok');
  await w.settle(a.id, 'ok');
  expect(await drained).toBe(true);
  expect(w.passed).toEqual([a.id, b.id]);
});
