import { bool, hostPort, int, port, secret, string } from '@contactcenter/infra';
import { DEFAULT_RETRY_SCHEDULE_MS, retrySchedule } from './webhooks/backoff';
import { DEFAULT_RATE_LIMITS } from './plugins/rateLimits';
import { DEFAULT_LIMITS as REALTIME_DEFAULTS } from './realtime/realtimeSession';
import { originList } from './schemas/origins';

/** Gateway settings beyond the ones every service shares. */
export const gatewayConfig = {
  HTTP_HOST: string({ default: '127.0.0.1' }),
  HTTP_PORT: port({ default: 8080 }),
  /** HS256 secret that signs agent, supervisor and admin tokens (at least 32 characters). */
  JWT_SECRET: secret({ minLength: 32 }),
  CONVERSATION_GRPC_ADDR: hostPort({ default: '127.0.0.1:50051' }),
  ROUTING_GRPC_ADDR: hostPort({ default: '127.0.0.1:50052' }),
  PRESENCE_GRPC_ADDR: hostPort({ default: '127.0.0.1:50053' }),
  TRANSLATION_GRPC_ADDR: hostPort({ default: '127.0.0.1:50054' }),
  SURVEY_GRPC_ADDR: hostPort({ default: '127.0.0.1:50055' }),
  /** NATS KV bucket of widget keys, shared by every gateway replica. */
  GATEWAY_BUCKET: string({ default: 'cc_gateway' }),
  /** Accept webhook URLs `http://127.0.0.1|localhost` (development and tests only); otherwise https only. */
  WEBHOOKS_ALLOW_INSECURE: bool({ default: false }),
  /** Waits between webhook delivery attempts, e.g. `1000,5000,30000,120000,600000` (six attempts). */
  WEBHOOKS_RETRY_SCHEDULE_MS: retrySchedule({ default: DEFAULT_RETRY_SCHEDULE_MS }),
  /** One webhook attempt's deadline; slower answers count as failures. */
  WEBHOOKS_TIMEOUT_MS: int({ default: 5_000, min: 100, max: 30_000 }),
  /** Webhook attempts in flight per gateway replica. */
  WEBHOOKS_CONCURRENCY: int({ default: 32, min: 1, max: 1_000 }),
  /** Requests per minute per API key, staff member or visitor session, per replica (429 beyond). */
  RATE_LIMIT_PER_KEY_PER_MINUTE: int({ default: DEFAULT_RATE_LIMITS.perKeyPerMinute, min: 1, max: 1_000_000 }),
  /** Requests per minute per client address, authenticated or not, per replica; a call center behind one NAT address shares it. */
  RATE_LIMIT_PER_IP_PER_MINUTE: int({ default: DEFAULT_RATE_LIMITS.perIpPerMinute, min: 1, max: 10_000_000 }),
  /**
   * Proxies in front of the gateway whose X-Forwarded-For to trust for the client address (0: the TCP peer).
   * Behind an ingress or load balancer set it, or every client shares the proxy's per-address limit.
   */
  TRUST_PROXY_HOPS: int({ default: 0, min: 0, max: 10 }),
  /** Origins of staff web apps (agent desk, admin console) that may call the staff API from a browser, comma-separated; none by default. */
  CORS_STAFF_ORIGINS: originList(),
  /** Largest WebSocket frame a client may send; larger ones close the socket with 1009. */
  REALTIME_MAX_FRAME_BYTES: int({ default: REALTIME_DEFAULTS.maxFrameBytes, min: 1_024, max: 1_048_576 }),
  /** Frames per second a WebSocket client may send; persistent excess closes the socket with 1008. */
  REALTIME_FRAMES_PER_SECOND: int({ default: REALTIME_DEFAULTS.framesPerSecond, min: 1, max: 1_000 }),
  /** Unread bytes the gateway holds for one WebSocket client; beyond, it closes with 1013 and the client resumes with `after`. */
  REALTIME_MAX_BUFFERED_BYTES: int({ default: REALTIME_DEFAULTS.maxBufferedBytes, min: 65_536, max: 64 * 1_048_576 }),
};
