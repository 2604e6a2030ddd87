import { hostPort, port, secret, string } from '@contactcenter/infra';

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
};
