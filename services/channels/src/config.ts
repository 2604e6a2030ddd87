import { bool, hostPort, int, optionalString, optionalUrl, port, string, url } from '@contactcenter/infra';
import { networkList } from '@contactcenter/infra/outbound';
import { DEFAULT_CHANNELS_BUCKET } from './pipeline/channelStore';

/** The channels service's settings; see the README's "Email and messaging channels". */
export const channelsConfig = {
  CONVERSATION_GRPC_ADDR: hostPort({ default: '127.0.0.1:50051' }),
  ROUTING_GRPC_ADDR: hostPort({ default: '127.0.0.1:50052' }),
  /** NATS KV bucket of endpoints, threads and sent messages, shared by every channels replica. */
  CHANNELS_BUCKET: string({ default: DEFAULT_CHANNELS_BUCKET }),
  /** Inbound email for the tenants' support addresses (0 picks a free port); SMTP_ENABLED=false turns the listener off. */
  SMTP_ENABLED: bool({ default: true }),
  SMTP_PORT: port({ default: 2525 }),
  SMTP_HOST: string({ default: '127.0.0.1' }),
  SMTP_MAX_MESSAGE_BYTES: int({ default: 25 * 1024 * 1024, min: 1024 }),
  /** PEM files for STARTTLS on the listener (both or neither). */
  SMTP_TLS_KEY_FILE: optionalString(),
  SMTP_TLS_CERT_FILE: optionalString(),
  /** Where agents' email replies go out: smtp://user:pass@host:port or smtps://…; unset: replies are logged, not sent. */
  SMTP_RELAY_URL: optionalUrl(['smtp', 'smtps']),
  /** How often a polled mailbox is read when its server does not announce new mail (IDLE). */
  IMAP_POLL_INTERVAL_MS: int({ default: 60_000, min: 1_000 }),
  /** Meta's webhooks (WhatsApp, Messenger, Instagram) arrive here under /channels/<app>/webhook; 0 picks a free port. */
  CHANNELS_HTTP_PORT: port({ default: 8090 }),
  CHANNELS_HTTP_HOST: string({ default: '127.0.0.1' }),
  /** The token Meta echoes when a webhook is subscribed (the Meta app's "Verify token"); unset: subscriptions are refused. */
  META_VERIFY_TOKEN: optionalString(),
  GRAPH_API_URL: url(['https', 'http'], { default: 'https://graph.facebook.com' }),
  GRAPH_API_VERSION: string({ default: 'v21.0' }),
  /** Attachments are kept in this folder unless an S3-compatible bucket is set. */
  ATTACHMENTS_DIR: string({ default: 'data/attachments' }),
  S3_ENDPOINT: optionalUrl(['https', 'http']),
  S3_BUCKET: optionalString(),
  S3_REGION: string({ default: 'us-east-1' }),
  S3_ACCESS_KEY_ID: optionalString(),
  S3_SECRET_ACCESS_KEY: optionalString(),
  /** CIDR ranges a tenant's mailbox may be at although not public (on-premises mail servers). */
  OUTBOUND_ALLOWED_NETWORKS: networkList(),
};
