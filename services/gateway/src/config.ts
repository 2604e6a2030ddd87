import { bool, hostPort, int, optionalSecret, optionalString, port, secret, string } from '@contactcenter/infra';
import { DEFAULT_RETRY_SCHEDULE_MS, retrySchedule } from './webhooks/backoff';
import { DEFAULT_RATE_LIMITS } from './plugins/rateLimits';
import { DEFAULT_RATE_LIMIT_BUCKET, DEFAULT_RATE_LIMIT_SYNC_MS } from './plugins/sharedRateCounters';
import { DEFAULT_ADMISSION_LIMITS } from './plugins/admissionControl';
import { DEFAULT_LIMITS as REALTIME_DEFAULTS } from './realtime/realtimeSession';
import { DEFAULT_CONNECTION_LIMITS as CONNECTION_DEFAULTS } from './realtime/connectionCaps';
import { DEFAULT_VISITOR_SESSION_LIMITS as SESSION_DEFAULTS } from './plugins/visitorSessionLimits';
import { originList } from './schemas/origins';
import { DEFAULT_IDEMPOTENCY_BUCKET, MIN_IDEMPOTENCY_TTL_HOURS } from './idempotency/idempotencyStore';
import { DEFAULT_TOKEN_RULES } from './tokens/tokenVerifier';
import { DEFAULT_TENANT_LIMITS } from './store/tenantLimits';
import { networkList } from '@contactcenter/infra/outbound';
import { DEFAULT_CHANNELS_GRPC_ADDR } from './peers';
import { DEFAULT_REGION_FORWARD_TIMEOUT_MS } from './regions/regionLink';
import { countryHeaderName } from './regions/startPlacement';

/** Gateway settings beyond the ones every service shares. */
export const gatewayConfig = {
  HTTP_HOST: string({ default: '127.0.0.1' }),
  HTTP_PORT: port({ default: 8080 }),
  /** HS256 secret that signs agent, supervisor and admin tokens (at least 32 characters). */
  JWT_SECRET: secret({ minLength: 32 }),
  /** During a secret rotation, the secret being retired (at least 32 characters): tokens signed with it still verify; new ones are signed with JWT_SECRET. */
  JWT_SECRET_PREVIOUS: optionalSecret({ minLength: 32 }),
  /** Longest token lifetime accepted (`exp - iat`, or `exp - now` without `iat`); at least 12 h, the visitor sessions' lifetime. */
  JWT_MAX_LIFETIME_SECONDS: int({ default: DEFAULT_TOKEN_RULES.maxLifetimeSeconds, min: 43_200, max: 30 * 86_400 }),
  /** Tolerance for clocks that disagree, applied to `exp`, `nbf` and `iat`. */
  JWT_CLOCK_SKEW_SECONDS: int({ default: DEFAULT_TOKEN_RULES.clockSkewSeconds, min: 0, max: 300 }),
  /** When set, HS256 tokens must carry this `iss` (the gateway's visitor sessions do). */
  JWT_ISSUER: optionalString(),
  /** When set, HS256 tokens must carry this `aud` (the gateway's visitor sessions do). */
  JWT_AUDIENCE: optionalString(),
  /** Accept http:// JWKS URLs of tenants' identity providers (development and tests only); otherwise https only. */
  IDENTITY_PROVIDERS_ALLOW_INSECURE: bool({ default: false }),
  CONVERSATION_GRPC_ADDR: hostPort({ default: '127.0.0.1:50051' }),
  ROUTING_GRPC_ADDR: hostPort({ default: '127.0.0.1:50052' }),
  PRESENCE_GRPC_ADDR: hostPort({ default: '127.0.0.1:50053' }),
  TRANSLATION_GRPC_ADDR: hostPort({ default: '127.0.0.1:50054' }),
  SURVEY_GRPC_ADDR: hostPort({ default: '127.0.0.1:50055' }),
  /** The channels service (email, WhatsApp, Messenger, Instagram endpoints); while it is down only its admin routes answer 503. */
  CHANNELS_GRPC_ADDR: hostPort({ default: DEFAULT_CHANNELS_GRPC_ADDR }),
  /** NATS KV bucket of widget keys, shared by every gateway replica. */
  GATEWAY_BUCKET: string({ default: 'cc_gateway' }),
  /** NATS KV bucket of Idempotency-Key records (first answers of creating POSTs), shared by every gateway replica. */
  IDEMPOTENCY_BUCKET: string({ default: DEFAULT_IDEMPOTENCY_BUCKET }),
  /** How long an Idempotency-Key is remembered after its last write: the bucket's max_age, set when the bucket is created. */
  IDEMPOTENCY_TTL_HOURS: int({ default: MIN_IDEMPOTENCY_TTL_HOURS, min: MIN_IDEMPOTENCY_TTL_HOURS, max: 24 * 30 }),
  /** Accept http:// webhook URLs (development and tests only); otherwise https only. Addresses stay OUTBOUND_ALLOWED_NETWORKS' call. */
  WEBHOOKS_ALLOW_INSECURE: bool({ default: false }),
  /** Where the built browser apps are (`widget/dist`, `desk/dist`); default: the repository's `apps/`. */
  CLIENT_APPS_DIR: optionalString(),
  /** Serve `/demo/?key=wk_…`, a product page embedding the widget (development and demos; `npm start` turns it on). */
  SERVE_DEMO_PAGE: bool({ default: false }),
  /**
   * Non-public CIDR ranges that webhooks (and other tenant-given URLs) may reach, e.g. `10.20.0.0/16` for on-premises
   * receivers; none by default: loopback, private, link-local… are refused. Cloud metadata addresses are refused regardless.
   */
  OUTBOUND_ALLOWED_NETWORKS: networkList(),
  /** Waits between webhook delivery attempts, e.g. `1000,5000,30000,120000,600000` (six attempts). */
  WEBHOOKS_RETRY_SCHEDULE_MS: retrySchedule({ default: DEFAULT_RETRY_SCHEDULE_MS }),
  /** One webhook attempt's deadline; slower answers count as failures. */
  WEBHOOKS_TIMEOUT_MS: int({ default: 5_000, min: 100, max: 30_000 }),
  /** Webhook attempts in flight per gateway replica. */
  WEBHOOKS_CONCURRENCY: int({ default: 32, min: 1, max: 1_000 }),
  /** Mean event-loop delay (ms, sampled each second) above which this replica answers 503 `overloaded` before any work; 0 turns the check off. */
  GATEWAY_MAX_EVENT_LOOP_DELAY_MS: int({ default: DEFAULT_ADMISSION_LIMITS.maxEventLoopDelayMs, min: 0, max: 60_000 }),
  /** Heap in use, in percent of V8's heap limit (--max-old-space-size), above which this replica answers 503 `overloaded`; 0 turns the check off. */
  GATEWAY_MAX_HEAP_USED_PERCENT: int({ default: DEFAULT_ADMISSION_LIMITS.maxHeapUsedPercent, min: 0, max: 100 }),
  /** Requests handled at once by this replica (probes, SSE and WebSockets aside) beyond which new ones get 503 `overloaded`; 0: unbounded. */
  GATEWAY_MAX_IN_FLIGHT: int({ default: DEFAULT_ADMISSION_LIMITS.maxInFlight, min: 0, max: 1_000_000 }),
  /** Requests per minute per API key, staff member or visitor session, across all replicas (429 beyond). */
  RATE_LIMIT_PER_KEY_PER_MINUTE: int({ default: DEFAULT_RATE_LIMITS.perKeyPerMinute, min: 1, max: 1_000_000 }),
  /** Requests per minute per client address, authenticated or not, across all replicas; a call center behind one NAT address shares it. */
  RATE_LIMIT_PER_IP_PER_MINUTE: int({ default: DEFAULT_RATE_LIMITS.perIpPerMinute, min: 1, max: 10_000_000 }),
  /** How often each replica merges its rate limit counts with the others' in NATS KV; 0: each replica counts alone. */
  RATE_LIMIT_SYNC_MS: int({ default: DEFAULT_RATE_LIMIT_SYNC_MS, min: 0, max: 10_000 }),
  /** NATS KV bucket (in memory) of the shared rate limit counters. */
  RATE_LIMIT_BUCKET: string({ default: DEFAULT_RATE_LIMIT_BUCKET }),
  /**
   * Proxies in front of the gateway whose X-Forwarded-For to trust for the client address (0: the TCP peer).
   * Behind an ingress or load balancer set it, or every client shares the proxy's per-address limit.
   */
  TRUST_PROXY_HOPS: int({ default: 0, min: 0, max: 10 }),
  /** With several REGIONS: how long a request forwarded to its conversation's home region may take there before it is 503 `region_unavailable`. */
  REGION_FORWARD_TIMEOUT_MS: int({ default: DEFAULT_REGION_FORWARD_TIMEOUT_MS, min: 100, max: 120_000 }),
  /** Origins of staff web apps (agent desk, admin console) that may call the staff API from a browser, comma-separated; none by default. */
  CORS_STAFF_ORIGINS: originList(),
  /** Live (unrevoked) API keys per tenant; a create beyond is 409 `tenant_limit_reached`. */
  TENANT_MAX_API_KEYS: int({ default: DEFAULT_TENANT_LIMITS.apiKeys, min: 1, max: 10_000 }),
  /** Live (unrevoked) widget keys per tenant; a create beyond is 409 `tenant_limit_reached`. */
  TENANT_MAX_WIDGET_KEYS: int({ default: DEFAULT_TENANT_LIMITS.widgetKeys, min: 1, max: 10_000 }),
  /** Webhooks per tenant; a create beyond is 409 `tenant_limit_reached`. */
  TENANT_MAX_WEBHOOKS: int({ default: DEFAULT_TENANT_LIMITS.webhooks, min: 1, max: 1_000 }),
  /** Invitation rules per tenant (one value holds them all); a larger rule set is 409 `tenant_limit_reached`. */
  TENANT_MAX_INVITATION_RULES: int({ default: DEFAULT_TENANT_LIMITS.invitationRules, min: 1, max: 500 }),
  /** Largest WebSocket frame a client may send; larger ones close the socket with 1009. */
  REALTIME_MAX_FRAME_BYTES: int({ default: REALTIME_DEFAULTS.maxFrameBytes, min: 1_024, max: 1_048_576 }),
  /** Frames per second a WebSocket client may send; persistent excess closes the socket with 1008. */
  REALTIME_FRAMES_PER_SECOND: int({ default: REALTIME_DEFAULTS.framesPerSecond, min: 1, max: 1_000 }),
  /** Unread bytes the gateway holds for one WebSocket client; beyond, it closes with 1013 and the client resumes with `after`. */
  REALTIME_MAX_BUFFERED_BYTES: int({ default: REALTIME_DEFAULTS.maxBufferedBytes, min: 65_536, max: 64 * 1_048_576 }),
  /** Live WebSockets per staff member, per replica (429 `too_many_connections` beyond, before the upgrade). */
  REALTIME_MAX_SOCKETS_PER_PRINCIPAL: int({ default: CONNECTION_DEFAULTS.socketsPerPrincipal, min: 1, max: 1_000 }),
  /** Live WebSockets per visitor session, per replica. */
  REALTIME_MAX_SOCKETS_PER_VISITOR: int({ default: CONNECTION_DEFAULTS.socketsPerVisitor, min: 1, max: 100 }),
  /** Live SSE streams (`GET /v1/events`) per API key, per replica. */
  EVENTS_MAX_STREAMS_PER_API_KEY: int({ default: CONNECTION_DEFAULTS.streamsPerApiKey, min: 1, max: 1_000 }),
  /** Live WebSockets and SSE streams of one tenant together, per replica: each costs a JetStream consumer. */
  REALTIME_MAX_CONNECTIONS_PER_TENANT: int({ default: CONNECTION_DEFAULTS.connectionsPerTenant, min: 1, max: 1_000_000 }),
  /** New visitor sessions per minute per widget key, across all replicas (429 `rate_limited` beyond). */
  VISITOR_SESSIONS_PER_MINUTE_PER_WIDGET_KEY: int({ default: SESSION_DEFAULTS.perWidgetKeyPerMinute, min: 1, max: 1_000_000 }),
  /** New visitor sessions per minute per client address, across all replicas. */
  VISITOR_SESSIONS_PER_MINUTE_PER_ADDRESS: int({ default: SESSION_DEFAULTS.perAddressPerMinute, min: 1, max: 1_000_000 }),
  /**
   * The header the CDN or load balancer in front puts the visitor's country in (ISO 3166-1 alpha-2; only a
   * two-letter value counts): with several REGIONS it places new visitor conversations by the tenant's residency rules.
   */
  VISITOR_COUNTRY_HEADER: countryHeaderName(),
};
