/**
 * Batch calls without a network: the server's `eachItem` and the client's
 * `CallBatches`, with the batch call played by the test (each waits until
 * the test answers it), so what travels together can be checked exactly.
 * The real gRPC path is covered by the presence and conversation tests.
 */
import { status } from '@grpc/grpc-js';
import { IllegalStateError, NotFoundError, UnavailableError, ValidationError } from '../errors';
import { CallBatches, eachItem, eachItemAsItsActor, fromItemError, MAX_BATCH_ITEMS, toItemError, type ItemOutcome } from './batch';

describe('eachItem', () => {
  it('answers one outcome per item, in order, each failure with its own code and field', async () => {
    const outcomes = await eachItem(
      [1, 2, 3, 4],
      async (n) => {
        if (n === 2) throw new IllegalStateError('agent is at capacity');
        if (n === 3) throw new ValidationError('channel', 'unknown channel "fax"');
        if (n === 4) throw new TypeError('a bug');
        return n * 10;
      },
      'result',
    );
    expect(outcomes.map((o) => o.outcome)).toEqual([
      { $case: 'result', value: 10 },
      { $case: 'error', value: { code: 'illegal_state', message: 'agent is at capacity', field: '' } },
      { $case: 'error', value: { code: 'validation', message: 'channel: unknown channel "fax"', field: 'channel' } },
      { $case: 'error', value: { code: 'internal', message: 'internal error', field: '' } },
    ]);
  });

  it('refuses an empty batch and one over the limit as a whole, naming items', async () => {
    await expect(eachItem([], async () => 1, 'result')).rejects.toMatchObject({ field: 'items' });
    await expect(eachItem(Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => 0), async () => 1, 'result')).rejects.toMatchObject({ field: 'items' });
  });

  it('item errors come back as the domain errors the single call would have thrown', () => {
    for (const err of [new IllegalStateError('full'), new NotFoundError('agent', 'kai'), new UnavailableError('later'), new ValidationError('agent_id', 'is required')]) {
      const back = fromItemError(toItemError(err));
      expect(back).toBeInstanceOf(err.constructor);
      expect(back.message).toBe(err.message);
    }
  });
});

type Sent = { key: string; items: number[]; answer(outcomes: (ItemOutcome<string> | undefined)[]): void; fail(err: unknown): void };

function scripted(options: { concurrent?: number; maxItems?: number; maxWaitMs?: number } = {}) {
  const batches: Sent[] = [];
  const singles: { key: string; item: number }[] = [];
  const calls = new CallBatches<number, string>({
    ...options,
    send: (key, items) => new Promise((answer, fail) => batches.push({ key, items, answer, fail })),
    // A negative item plays a call whose peer died mid-call: never answered.
    sendOne: (key, item) => (item < 0 ? new Promise<string>(() => undefined) : (singles.push({ key, item }), Promise.resolve(`one ${item}`))),
  });
  return { calls, batches, singles };
}
const tick = () => new Promise((r) => setImmediate(r));
/** A few turns: an answered batch's slot is freed, and the next batch sent, within them. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await tick();
};
const ok = (items: number[]): ItemOutcome<string>[] => items.map((n) => ({ $case: 'result', value: `batch ${n}` }));

describe('eachItemAsItsActor', () => {
  it("runs each item as the actor it names, else as the call's, and fails an item without its request alone", async () => {
    const ctx = { tenantId: 'acme', actorId: 'gateway' };
    const outcomes = await eachItemAsItsActor(
      [
        { request: 'a', actorId: 'visitor-1' },
        { request: 'b', actorId: '' },
        { request: undefined, actorId: 'visitor-3' },
      ],
      ctx,
      async (request, asked) => `${request} as ${asked.actorId} of ${asked.tenantId}`,
      'started',
    );
    expect(outcomes.map((o) => o.outcome)).toEqual([
      { $case: 'started', value: 'a as visitor-1 of acme' },
      { $case: 'started', value: 'b as gateway of acme' },
      { $case: 'error', value: { code: 'validation', message: 'items.request: is required', field: 'items.request' } },
    ]);
    expect(ctx.actorId).toBe('gateway'); // the call's context is not changed for the others
    await expect(eachItemAsItsActor([], ctx, async () => 'x', 'started')).rejects.toMatchObject({ field: 'items' });
  });
});

describe('CallBatches', () => {
  it('sends at the end of the turn: a lone item as the single call, the items of one turn together, later ones in the next batch', async () => {
    const { calls, batches, singles } = scripted({ concurrent: 1 });
    const first = calls.call('acme', 1);
    expect(singles).toEqual([]); // not at once: whatever else comes in this turn goes with it
    await tick();
    expect(singles).toEqual([{ key: 'acme', item: 1 }]);
    expect(await first).toBe('one 1');

    // Items called in one turn travel together, though a slot is free.
    const [a, b] = [calls.call('acme', 2), calls.call('acme', 3)];
    await tick();
    expect(batches.map((x) => x.items)).toEqual([[2, 3]]);
    // Items arriving while it is in flight wait for it, over several turns, then travel together.
    const c = calls.call('acme', 4);
    await tick();
    const d = calls.call('acme', 5);
    await settle();
    expect(batches).toHaveLength(1);
    batches[0]!.answer(ok([2, 3]));
    expect(await Promise.all([a, b])).toEqual(['batch 2', 'batch 3']);
    await settle();
    expect(batches.map((x) => x.items)).toEqual([[2, 3], [4, 5]]);
    batches[1]!.answer(ok([4, 5]));
    expect(await Promise.all([c, d])).toEqual(['batch 4', 'batch 5']);
    expect(singles.map((s) => s.item)).toEqual([1]);
  });

  it('keeps keys apart: a batch carries one tenant', async () => {
    const { calls, batches } = scripted({ concurrent: 1 });
    const rest = [calls.call('acme', 1), calls.call('globex', 2), calls.call('acme', 3)];
    await tick();
    expect(batches.map((x) => [x.key, x.items])).toEqual([['acme', [1, 3]]]);
    batches[0]!.answer(ok([1, 3]));
    await settle();
    // globex's lone item went as a single call once acme's batch was answered.
    expect(await Promise.all(rest)).toEqual(['batch 1', 'one 2', 'batch 3']);
  });

  it('with two slots, the items of one turn beyond maxItems go as two batches at once', async () => {
    const { calls, batches } = scripted({ concurrent: 2, maxItems: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => calls.call('acme', n));
    await tick();
    expect(batches.map((x) => x.items)).toEqual([[1, 2], [3, 4]]);
    batches[0]!.answer(ok([1, 2]));
    batches[1]!.answer(ok([3, 4]));
    expect(await Promise.all(all.slice(0, 4))).toEqual(['batch 1', 'batch 2', 'batch 3', 'batch 4']);
    expect(await all[4]).toBe('one 5');
  });

  it("rejects each item with its own error, and all of a batch's items when the call itself fails", async () => {
    const { calls, batches } = scripted({ concurrent: 1 });
    const [x, y, z] = [calls.call('acme', 1), calls.call('acme', 2), calls.call('acme', 3)];
    await tick();
    batches[0]!.answer([{ $case: 'result', value: 'batch 1' }, { $case: 'error', value: { code: 'illegal_state', message: 'agent is at capacity', field: '' } }, undefined]);
    expect(await x).toBe('batch 1');
    await expect(y).rejects.toBeInstanceOf(IllegalStateError);
    await expect(z).rejects.toBeInstanceOf(UnavailableError);

    const [p, q] = [calls.call('acme', 5), calls.call('acme', 6)];
    await settle();
    const down = new UnavailableError('presence is unreachable');
    batches[1]!.fail(down);
    await expect(p).rejects.toBe(down);
    await expect(q).rejects.toBe(down);
  });

  it('a peer that does not know the batch call gets single calls, then and from then on', async () => {
    const { calls, batches, singles } = scripted({ concurrent: 1 });
    const pair = [calls.call('acme', 1), calls.call('acme', 2)];
    await tick();
    batches[0]!.fail(Object.assign(new Error('unknown method'), { code: status.UNIMPLEMENTED }));
    expect(await Promise.all(pair)).toEqual(['one 1', 'one 2']);
    await Promise.all([calls.call('acme', 3), calls.call('acme', 4)]);
    expect(batches).toHaveLength(1);
    expect(singles.map((s) => s.item)).toEqual([1, 2, 3, 4]);
  });

  it('a call that hangs holds later items back no longer than maxWaitMs', async () => {
    const { calls, batches, singles } = scripted({ concurrent: 1, maxWaitMs: 30 });
    void calls.call('acme', -1); // alone, and never answered
    await tick();
    const later = [calls.call('acme', 1), calls.call('acme', 2)];
    await tick();
    expect(batches).toHaveLength(0); // waiting for the slot…
    await new Promise((r) => setTimeout(r, 60));
    expect(batches.map((b) => b.items)).toEqual([[1, 2]]); // …then sent anyway
    batches[0]!.answer(ok([1, 2]));
    expect(await Promise.all(later)).toEqual(['batch 1', 'batch 2']);
    expect(singles.map((s) => s.item)).toEqual([]);
  });

  it('splits at maxItems', async () => {
    const { calls, batches } = scripted({ concurrent: 1, maxItems: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => calls.call('acme', n));
    await tick();
    expect(batches.map((x) => x.items)).toEqual([[1, 2]]);
    batches[0]!.answer(ok([1, 2]));
    await settle();
    batches[1]!.answer(ok([3, 4]));
    await settle();
    expect(batches.map((x) => x.items)).toEqual([[1, 2], [3, 4]]);
    expect(await Promise.all(all.slice(0, 4))).toEqual(['batch 1', 'batch 2', 'batch 3', 'batch 4']);
    expect(await all[4]).toBe('one 5');
  });
});
