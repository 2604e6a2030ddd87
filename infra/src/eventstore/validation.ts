import { ValidationError } from '../errors';
import type { EventToAppend, ExpectedRevision, ReadStreamOptions } from './eventStore';

/**
 * Input checks shared by every adapter, so that a bad call fails the same way
 * (a ValidationError naming the field) whatever the backend.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A JSON `\u0000` escape not itself preceded by an escaping backslash.
const JSON_NUL = /(^|[^\\])(\\\\)*\\u0000/;

const isNonNegativeInteger = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

export function validateStreamId(streamId: unknown): asserts streamId is string {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new ValidationError('streamId', 'must be a non-empty string');
}

export function validateExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists' || isNonNegativeInteger(expected)) return;
  throw new ValidationError('expectedRevision', `must be 'any', 'no_stream', 'stream_exists' or a revision >= 0, got ${JSON.stringify(expected)}`);
}

/** An event ready for storage: `data` and `metadata` already serialised once, here, for every adapter. */
export interface SerialisedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
  source: EventToAppend;
}

export function validateAppend(streamId: unknown, events: unknown, expected: unknown): SerialisedEvent[] {
  validateStreamId(streamId);
  validateExpectedRevision(expected);
  if (!Array.isArray(events) || events.length === 0) throw new ValidationError('events', 'must be a non-empty array');
  const seen = new Set<string>();
  return events.map((event: Partial<EventToAppend> | undefined, i): SerialisedEvent => {
    const field = `events[${i}]`;
    if (typeof event !== 'object' || event === null) throw new ValidationError(field, 'must be an object');
    if (typeof event.id !== 'string' || event.id.length === 0) throw new ValidationError(`${field}.id`, 'is required');
    if (!UUID.test(event.id)) throw new ValidationError(`${field}.id`, `must be a UUID, got ${JSON.stringify(event.id)}`);
    const id = event.id.toLowerCase(); // stored and compared in canonical form
    if (seen.has(id)) throw new ValidationError('events', `event id ${id} appears twice in the batch`);
    seen.add(id);
    if (typeof event.type !== 'string' || event.type.length === 0) throw new ValidationError(`${field}.type`, 'is required');
    let data: string | undefined;
    try {
      data = JSON.stringify(event.data);
    } catch (err) {
      throw new ValidationError(`${field}.data`, 'must be JSON-serialisable', { cause: err });
    }
    if (data === undefined) throw new ValidationError(`${field}.data`, 'must be JSON-serialisable (got undefined or a function)');
    if (JSON_NUL.test(data)) throw new ValidationError(`${field}.data`, 'must not contain NUL characters (\\u0000)');
    const metadata = event.metadata ?? {};
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new ValidationError(`${field}.metadata`, 'must be an object of strings');
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new ValidationError(`${field}.metadata`, `value of ${JSON.stringify(key)} must be a string`);
    }
    const metadataJson = JSON.stringify(metadata);
    if (JSON_NUL.test(metadataJson)) throw new ValidationError(`${field}.metadata`, 'must not contain NUL characters (\\u0000)');
    return { id, type: event.type, data, metadata: metadataJson, source: event as EventToAppend };
  });
}

export interface StreamRange {
  direction: 'forwards' | 'backwards';
  fromRevision: number | undefined;
  maxCount: number | undefined;
}

export function validateReadStream(streamId: unknown, options: ReadStreamOptions = {}): StreamRange {
  validateStreamId(streamId);
  const { direction = 'forwards', fromRevision, maxCount } = options;
  if (direction !== 'forwards' && direction !== 'backwards') throw new ValidationError('direction', "must be 'forwards' or 'backwards'");
  if (fromRevision !== undefined && !isNonNegativeInteger(fromRevision)) throw new ValidationError('fromRevision', 'must be an integer >= 0');
  validateMaxCount(maxCount);
  return { direction, fromRevision, maxCount };
}

export function validateMaxCount(maxCount: unknown): asserts maxCount is number | undefined {
  if (maxCount !== undefined && !isNonNegativeInteger(maxCount)) throw new ValidationError('maxCount', 'must be an integer >= 0');
}

/** Does `expected` hold for a stream whose last revision is `head` (undefined: no events)? */
export function expectationHolds(expected: ExpectedRevision, head: number | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return head === undefined;
  if (expected === 'stream_exists') return head !== undefined;
  return head === expected;
}

/** How a stream's state reads in a ConcurrencyError. */
export const describeHead = (head: number | undefined): string => (head === undefined ? 'no_stream' : String(head));
