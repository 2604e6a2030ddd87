import createFetchClient, { type Client, type FetchResponse, type MaybeOptionalInit, type Middleware } from 'openapi-fetch';
import { openEventStream, type EventStreamConnection, type EventStreamOptions } from './eventStream';
import type { paths } from './generated/openapi';
import { ProblemError } from './problemError';
import { openRealtime, type RealtimeConnection, type RealtimeOptions } from './realtimeSocket';
import { VisitorSessions, type VisitorIdentity, type VisitorSession } from './visitorSessions';

/** A bearer token, or a function that returns the current one (for tokens the app renews). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

export interface ClientOptions {
  /** The gateway, e.g. `https://api.example` (no trailing `/v1`). */
  baseUrl: string;
  /** Agents, supervisors and admins: their JWT (or a visitor session's token the app keeps itself). */
  token?: TokenSource;
  /** Integrators: an API key (`cck_…`), sent as `X-API-Key`. */
  apiKey?: string;
  /** The widget: a tenant's public widget key. The client opens a visitor session with it on first use and renews it before it expires. */
  widgetKey?: string;
  /** With `widgetKey`: who the visitor is, when the tenant's server vouches for it, and how they want to be addressed. */
  visitor?: VisitorIdentity;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Sent with every request. */
  headers?: Record<string, string>;
}

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
type PathsWith<M extends Method> = { [P in keyof paths]: paths[P] extends { [K in M]: unknown } ? P : never }[keyof paths];
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- openapi-fetch's own constraint on an operation
type Operation<P extends keyof paths, M extends Method> = paths[P][M] extends infer O extends Record<string | number, any> ? O : never;
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type InitArgs<Init> = RequiredKeys<Init> extends never ? [init?: Init] : [init: Init];
type Answered<P extends keyof paths, M extends Method, Init> = Extract<FetchResponse<Operation<P, M>, Init, `${string}/${string}`>, { error?: never }>['data'];
/** The body of a 2xx answer of the operation, typed from /openapi.json; undefined for an operation that answers without one. */
export type SuccessData<P extends keyof paths, M extends Method, Init = unknown> = [NonNullable<Answered<P, M, Init>>] extends [never] ? undefined : NonNullable<Answered<P, M, Init>>;

/** `client.GET('/v1/…', { params, body })`: the 2xx body, or a thrown ProblemError. */
export type CallOf<M extends Method> = <P extends PathsWith<M>, Init extends MaybeOptionalInit<paths[P], M>>(path: P, ...init: InitArgs<Init>) => Promise<SuccessData<P, M, Init>>;

export interface ContactCenterClient {
  GET: CallOf<'get'>;
  PUT: CallOf<'put'>;
  POST: CallOf<'post'>;
  PATCH: CallOf<'patch'>;
  DELETE: CallOf<'delete'>;
  /** The openapi-fetch client underneath (same credentials): `{ data, error, response }`, nothing thrown, for when the response itself matters. */
  raw: Client<paths>;
  /** The bearer token requests carry now (with `widgetKey`, the visitor session's, opened if need be); undefined with an API key. */
  bearerToken(): Promise<string | undefined>;
  /** With `widgetKey`: the visitor session, opened on first use and renewed before it expires. */
  visitorSession(): Promise<VisitorSession>;
  /** The real-time WebSocket (`/v1/realtime`) with this client's gateway and token. */
  openRealtime(options: Omit<RealtimeOptions, 'baseUrl' | 'token'>): RealtimeConnection;
  /** The tenant's events as Server-Sent Events (`/v1/events`) with this client's gateway and API key. */
  openEventStream(options: Omit<EventStreamOptions, 'baseUrl' | 'apiKey' | 'fetch'>): EventStreamConnection;
}

const VISITOR_SESSIONS_PATH = '/v1/visitor/sessions';

/**
 * A typed client of the gateway's REST API, generated from its OpenAPI
 * document (paths, parameters, bodies and answers are checked by the
 * compiler), that authenticates every request and throws a ProblemError for
 * every answer that is not 2xx.
 *
 * @example
 *   const desk = createClient({ baseUrl, token: agentJwt });
 *   const conversation = await desk.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId } } });
 *
 *   const widget = createClient({ baseUrl, widgetKey: 'wk_…' });
 *   const { conversationId } = await widget.POST('/v1/visitor/conversations', { body: { language: 'es' } });
 */
export function createClient(options: ClientOptions): ContactCenterClient {
  // Looked up at each call, not bound now: tests and apps may install their fetch later.
  const fetchImpl: typeof fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  const raw = createFetchClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch: (request: Request) => fetchImpl(request), headers: options.headers });
  const sessions = options.widgetKey === undefined ? undefined : new VisitorSessions(raw, options.widgetKey, options.visitor ?? {});

  const bearerToken = async (): Promise<string | undefined> => {
    if (sessions) return (await sessions.current()).token;
    return typeof options.token === 'function' ? await options.token() : options.token;
  };

  const authentication: Middleware = {
    async onRequest({ request, schemaPath }) {
      // A session is opened with the widget key itself, before any token exists.
      if (sessions && schemaPath === VISITOR_SESSIONS_PATH) return request;
      const token = await bearerToken();
      if (token !== undefined) request.headers.set('authorization', `Bearer ${token}`);
      if (options.apiKey !== undefined) request.headers.set('x-api-key', options.apiKey);
      return request;
    },
  };
  raw.use(authentication);

  const call =
    <M extends Method>(method: Uppercase<M>): CallOf<M> =>
    (async (path: string, init?: object) => {
      let result: { data?: unknown; error?: unknown; response: Response };
      try {
        result = await (raw[method] as (path: string, init?: object) => Promise<typeof result>)(path, init);
      } catch (err) {
        if (err instanceof ProblemError) throw err;
        throw ProblemError.unreachable(err);
      }
      if (!result.response.ok) throw ProblemError.of(result.response, result.error);
      return result.data;
    }) as CallOf<M>;

  return {
    GET: call<'get'>('GET'),
    PUT: call<'put'>('PUT'),
    POST: call<'post'>('POST'),
    PATCH: call<'patch'>('PATCH'),
    DELETE: call<'delete'>('DELETE'),
    raw,
    bearerToken,
    visitorSession: async () => {
      if (!sessions) throw new Error('visitorSession(): this client was created without a widgetKey');
      return sessions.current();
    },
    openRealtime: (realtime) =>
      openRealtime({
        ...realtime,
        baseUrl: options.baseUrl,
        token: async () => {
          const token = await bearerToken();
          if (token === undefined) throw new Error('openRealtime: this client has no bearer token (give token or widgetKey)');
          return token;
        },
      }),
    openEventStream: (stream) => {
      if (options.apiKey === undefined) throw new Error('openEventStream: this client was created without an apiKey (the event stream is for integrators)');
      return openEventStream({ ...stream, baseUrl: options.baseUrl, apiKey: options.apiKey, fetch: fetchImpl });
    },
  };
}
