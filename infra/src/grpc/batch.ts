/**
 * Batch calls: many items of one kind (reservations, assignments) in one gRPC
 * call, each item decided alone and answered with its own outcome. Servers
 * run each item with `eachItem`; clients send through `CallBatches`, which
 * gathers the items that arrive while earlier batches are in flight, so a
 * busy caller pays one call per batch instead of one per item, and a quiet
 * one sends each item at the end of its turn of the event loop.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { ConcurrencyError, DomainError, ForbiddenError, IllegalStateError, NotFoundError, UnauthorizedError, UnavailableError, ValidationError, type ErrorCode } from '../errors';
import { BatchSlots } from '../batchSlots';
import type { Logger } from '../logger';

/** Items in one batch call at most; more is INVALID_ARGUMENT. */
export const MAX_BATCH_ITEMS = 256;

/** Why one item failed (the proto's contactcenter.common.v1.ItemError). */
export interface ItemError {
  code: string;
  message: string;
  field: string;
}

/** One item's answer, as the batch messages' `outcome` oneof carries it (the success case is named per message). */
export type ItemOutcome<R, C extends string = string> = { $case: C; value: R } | { $case: 'error'; value: ItemError };

/** An item's failure as it travels: a domain error keeps its code, message and field; anything else is "internal", unexplained. */
export function toItemError(err: unknown): ItemError {
  if (err instanceof DomainError) return { code: err.code, message: err.message, field: err instanceof ValidationError ? err.field : '' };
  return { code: 'internal', message: 'internal error', field: '' };
}

/** The domain error an item's failure stands for, as the single call's would have been. */
export function fromItemError(e: ItemError): Error {
  switch (e.code as ErrorCode | 'internal') {
    case 'validation': {
      const reason = e.field && e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message;
      return new ValidationError(e.field || 'request', reason);
    }
    case 'not_found':
      return Object.assign(new NotFoundError('resource', ''), { message: e.message });
    case 'illegal_state':
      return new IllegalStateError(e.message);
    case 'concurrency':
      return Object.assign(new ConcurrencyError('', '', ''), { message: e.message });
    case 'unauthorized':
      return new UnauthorizedError(e.message);
    case 'forbidden':
      return new ForbiddenError(e.message);
    case 'unavailable':
      return new UnavailableError(e.message);
    default:
      return new Error(e.message || 'internal error');
  }
}

/**
 * Server side: runs `one` for every item at once and answers one outcome per
 * item, in order. A failed item fails alone; an unexplained failure is
 * logged here and travels as "internal". More than MAX_BATCH_ITEMS items is
 * refused as a whole, and so is none.
 */
export async function eachItem<Item, R, C extends string>(
  items: Item[],
  one: (item: Item, index: number) => Promise<R>,
  ok: C,
  logger?: Logger,
): Promise<{ outcome: ItemOutcome<R, C> }[]> {
  if (items.length === 0) throw new ValidationError('items', 'must hold at least one item');
  if (items.length > MAX_BATCH_ITEMS) throw new ValidationError('items', `holds ${items.length} items; at most ${MAX_BATCH_ITEMS} in one call`);
  const settled = await Promise.allSettled(items.map((item, i) => one(item, i)));
  return settled.map((s, index) => {
    if (s.status === 'fulfilled') return { outcome: { $case: ok, value: s.value } };
    if (!(s.reason instanceof DomainError)) logger?.error({ err: s.reason, item: index }, 'batch item failed');
    return { outcome: { $case: 'error' as const, value: toItemError(s.reason) } };
  });
}

/**
 * Server side, for batches whose items each name who asked for them (a
 * visitor each, forwarded together by a gateway or routing): as `eachItem`,
 * each item's `request` run as its `actor_id` (empty: the call's actor). An
 * item without its request fails alone (`items.request`).
 */
export function eachItemAsItsActor<Req, R, C extends string, Ctx extends { actorId: string }>(
  items: { request?: Req | undefined; actorId: string }[],
  ctx: Ctx,
  one: (request: Req, asked: Ctx) => Promise<R>,
  ok: C,
  logger?: Logger,
): Promise<{ outcome: ItemOutcome<R, C> }[]> {
  return eachItem(
    items,
    async ({ request, actorId }) => {
      if (!request) throw new ValidationError('items.request', 'is required');
      return one(request, actorId ? { ...ctx, actorId } : ctx);
    },
    ok,
    logger,
  );
}

export interface CallBatchesOptions<Item, R> {
  /** Sends one batch (items of one key, in order); resolves with one outcome per item (undefined: none given). */
  send(key: string, items: Item[]): Promise<(ItemOutcome<R> | undefined)[]>;
  /** The single call, for a server that does not know the batch call yet (a rolling upgrade). */
  sendOne(key: string, item: Item): Promise<R>;
  /** Batch calls in flight at once (default 2). */
  concurrent?: number;
  /** Items in one batch at most (default 64, never above MAX_BATCH_ITEMS). */
  maxItems?: number;
  /**
   * How long an item may wait for a free slot (default 20 ms): then its batch goes anyway. A call
   * that hangs until its deadline (a peer killed mid-call) must not hold every later item back.
   */
  maxWaitMs?: number;
}

interface Waiting<Item, R> {
  key: string;
  item: Item;
  resolve(r: R): void;
  reject(err: unknown): void;
}

/**
 * Client side: `call(key, item)` resolves with the item's own answer or
 * rejects with its own domain error, as the single call would. Items of one
 * key (a tenant: the batch call carries one tenant in its metadata) travel
 * together. Up to `concurrent` batch calls go at once; items that arrive
 * meanwhile wait for the next one, but never longer than `maxWaitMs`, so a
 * call that hangs until its deadline (its peer killed mid-call) does not hold
 * every later item back. A failed batch call (the peer unreachable, past its
 * deadline) fails each of its items with that error. A peer that answers
 * UNIMPLEMENTED gets single calls from then on.
 */
export class CallBatches<Item, R> {
  private readonly waiting: Waiting<Item, R>[] = [];
  private single = false;
  private readonly maxItems: number;
  private readonly slots: BatchSlots;

  constructor(private readonly o: CallBatchesOptions<Item, R>) {
    this.maxItems = Math.min(o.maxItems ?? 64, MAX_BATCH_ITEMS);
    this.slots = new BatchSlots({ concurrent: o.concurrent ?? 2, maxWaitMs: o.maxWaitMs ?? 20 }, () => this.waiting.length > 0, () => this.sendNext());
  }

  call(key: string, item: Item): Promise<R> {
    if (this.single) return this.o.sendOne(key, item);
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ key, item, resolve, reject });
      this.slots.kick();
    });
  }

  /** The oldest waiting item's key, with as many more of that key as fit, as one batch. */
  private sendNext(): Promise<void> {
    const key = this.waiting[0]!.key;
    const batch: Waiting<Item, R>[] = [];
    for (let i = 0; i < this.waiting.length && batch.length < this.maxItems; ) {
      if (this.waiting[i]!.key === key) batch.push(...this.waiting.splice(i, 1));
      else i++;
    }
    return this.deliver(key, batch);
  }

  private async deliver(key: string, batch: Waiting<Item, R>[]): Promise<void> {
    // One item gains nothing from the batch call, and a peer without it gets single calls (items that waited since it said so too).
    if (batch.length === 1 || this.single) {
      await Promise.all(batch.map((w) => this.one(key, w)));
      return;
    }
    let outcomes: (ItemOutcome<R> | undefined)[];
    try {
      outcomes = await this.o.send(key, batch.map((w) => w.item));
    } catch (err) {
      if ((err as ServiceError)?.code === status.UNIMPLEMENTED) {
        this.single = true;
        await Promise.all(batch.map((w) => this.one(key, w)));
        return;
      }
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (!outcome) w.reject(new UnavailableError(`the batch answer has no outcome for item ${i} of ${batch.length}`));
      // The success case has a name of its own per message ('agent', 'result'): anything but 'error' is it.
      else if (outcome.$case === 'error') w.reject(fromItemError(outcome.value as ItemError));
      else w.resolve(outcome.value as R);
    });
  }

  private async one(key: string, w: Waiting<Item, R>): Promise<void> {
    try {
      w.resolve(await this.o.sendOne(key, w.item));
    } catch (err) {
      w.reject(err);
    }
  }
}
