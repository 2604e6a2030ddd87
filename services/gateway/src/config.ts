import { bool, hostPort, int, port, secret, string } from '@contactcenter/infra';
import { DEFAULT_RETRY_SCHEDULE_MS, retrySchedule } from './webhooks/backoff';

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
};
