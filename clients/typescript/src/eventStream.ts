import { Backoff, type BackoffOptions } from './backoff';
import { eventFrameOf, isKnownEvent, type ContactCenterEvent, type EventType, type OtherEvent } from './events';
import { ProblemError } from './problemError';
import { SseParser } from './sseParser';

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface EventStreamOptions {
  baseUrl: string;
  /** An API key with the scope `events:read`. */
  apiKey: string;
  /** Start after this position (one an earlier stream delivered); without it, the stream starts at its end. */
  after?: number;
  /** Only these CloudEvent types (filtered by the gateway). */
  types?: readonly (EventType | string)[];
  onEvent?(event: ContactCenterEvent): void;
  /** Events of a type newer than this client. */
  onOtherEvent?(event: OtherEvent): void;
  /** Each time the stream is (re)opened, with the position it resumes after. */
  onOpen?(info: { position: number | undefined; resumed: boolean }): void;
  onStateChange?(state: StreamState, reason?: ProblemError): void;
  /** Why the stream stopped for good (revoked key, position no longer kept, bad request): it does not reconnect after these. */
  onError?(error: ProblemError): void;
  backoff?: BackoffOptions;
  fetch?: typeof fetch;
}

export interface EventStreamConnection {
  /** The position of the last event delivered (or where the stream started): where a reconnect resumes. */
  readonly position: number | undefined;
  /** Resolves when the stream is first open; rejects if it stops for good before. */
  readonly opened: Promise<void>;
  close(): void;
}

/** Answers after which reconnecting cannot help: the key is wrong or revoked, the position gone or invalid. */
const FINAL_STATUSES = new Set([400, 401, 403, 404, 410]);

/**
 * The tenant's events from `GET /v1/events` (Server-Sent Events, for
 * integrators' API keys), over fetch, so that the key travels in a header
 * rather than the URL. It reconnects by itself after a drop, sending the
 * last event id it saw as `Last-Event-ID`: every later event comes once, in
 * order; any delivered twice (by position) is dropped. Between attempts it
 * waits the server's `Retry-After` when there is one, else a jittered backoff.
 *
 * @example
 *   const stream = openEventStream({ baseUrl, apiKey, types: ['contactcenter.conversation.v1.MessagePosted'],
 *     onEvent: (e) => { if (isEvent(e, 'contactcenter.conversation.v1.MessagePosted')) index(e.data.message); } });
 *   // later: stream.position → store it, pass it back as `after` next time
 */
export function openEventStream(options: EventStreamOptions): EventStreamConnection {
  // Looked up at each call, not bound now: tests and apps may install their fetch later.
  const fetchImpl: typeof fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  const backoff = new Backoff(options.backoff);
  const abort = new AbortController();
  let position: number | undefined = options.after;
  let closed = false;
  let openedOnce = false;
  let settleOpened: { resolve(): void; reject(err: unknown): void };
  const opened = new Promise<void>((resolve, reject) => (settleOpened = { resolve, reject }));
  opened.catch(() => undefined); // a caller that never awaits it must not see an unhandled rejection
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake = (): void => undefined;

  const setState = (state: StreamState, reason?: ProblemError) => options.onStateChange?.(state, reason);

  const stop = (error?: ProblemError) => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    wake();
    abort.abort();
    if (error) {
      options.onError?.(error);
      if (!openedOnce) settleOpened.reject(error);
    }
    setState('closed', error);
  };

  const urlOf = (): string => {
    const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/v1/events`);
    if (options.types?.length) url.searchParams.set('types', options.types.join(','));
    return url.toString();
  };

  const deliver = (payload: string): void => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return; // not an event of this API: skip it rather than stop the stream
    }
    const event = eventFrameOf(parsed);
    if (!event) return;
    // A replay overlapping what was already delivered: each position once.
    if (position !== undefined && event.position <= position) return;
    position = event.position;
    if (isKnownEvent(event)) options.onEvent?.(event);
    else options.onOtherEvent?.(event);
  };

  /** One connection, until it ends; the wait before the next, or undefined to stop. */
  const connectOnce = async (): Promise<number | undefined> => {
    const headers: Record<string, string> = { accept: 'text/event-stream', 'x-api-key': options.apiKey };
    // Where to resume: the standard header, which the gateway prefers to `?after=`.
    if (position !== undefined) headers['last-event-id'] = String(position);
    let response: Response;
    try {
      response = await fetchImpl(urlOf(), { headers, signal: abort.signal });
    } catch (err) {
      if (closed) return undefined;
      setState('reconnecting', ProblemError.unreachable(err));
      return backoff.next();
    }
    if (!response.ok) {
      const problem = await ProblemError.fromResponse(response);
      if (FINAL_STATUSES.has(response.status)) return void stop(problem);
      setState('reconnecting', problem);
      return problem.retryAfter !== undefined ? problem.retryAfter * 1000 : backoff.next();
    }
    const parser = new SseParser();
    const resumed = position !== undefined;
    openedOnce = true;
    settleOpened.resolve();
    backoff.reset();
    setState('open');
    let announced = false;
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const message of parser.push(value)) deliver(message.data);
        // The first `id:` line says where the stream starts: from there a reconnect loses nothing, even before any event.
        if (!announced && parser.lastEventId !== '') {
          announced = true;
          if (position === undefined && /^\d+$/.test(parser.lastEventId)) position = Number(parser.lastEventId);
          options.onOpen?.({ position, resumed });
        }
      }
    } catch (err) {
      if (closed) return undefined;
      setState('reconnecting', ProblemError.unreachable(err));
      return backoff.next();
    } finally {
      reader.releaseLock();
    }
    if (closed) return undefined;
    // The server ended the stream (a restart, a deploy): come back after the delay it asked for.
    setState('reconnecting');
    return parser.retryMs ?? backoff.next();
  };

  const run = async (): Promise<void> => {
    setState('connecting');
    while (!closed) {
      const wait = await connectOnce().catch((err: unknown) => (closed ? undefined : (setState('reconnecting', ProblemError.unreachable(err)), backoff.next())));
      if (wait === undefined || closed) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, wait);
      });
    }
  };
  void run();

  return {
    get position() {
      return position;
    },
    opened,
    close: () => stop(),
  };
}
