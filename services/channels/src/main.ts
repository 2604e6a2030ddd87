import { readFileSync } from 'node:fs';
import { createGrpcClient, runService } from '@contactcenter/infra';
import { openStateBucket } from '@contactcenter/infra/kv';
import { OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { ChannelsServiceService } from '@contactcenter/proto/channels/v1';
import { ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { RoutingServiceClient } from '@contactcenter/proto/routing/v1';
import Fastify from 'fastify';
import { Counter } from 'prom-client';
import { LocalFolderStore } from './attachments/localFolderStore';
import type { ObjectStore } from './attachments/objectStore';
import { S3Store } from './attachments/s3Store';
import type { ChannelAdapter, ChannelKind } from './channel/adapter';
import { channelsConfig } from './config';
import { EmailAdapter } from './email/smtpSender';
import { startSmtpListener } from './email/smtpListener';
import { MediaFetcher, MetaAdapter, metaWebhookRoutes } from './meta';
import { ChannelStore } from './pipeline/channelStore';
import { endpointCalls } from './pipeline/endpointsGrpc';
import { InboundPipeline } from './pipeline/inboundPipeline';
import { MailboxPollers } from './pipeline/mailboxPollers';
import { OutboundDispatcher } from './pipeline/outboundDispatcher';

/**
 * The channels service process: the tenants' endpoints on email (SMTP in,
 * IMAP polling, SMTP out through a relay) and on Meta's messaging apps
 * (webhooks in, Graph API out). What arrives becomes conversations through
 * the conversation service; agents' replies go back on the channel used.
 * It runs apart from the gateway because it holds long-lived protocol
 * listeners and mailbox connections, provider credentials and send retries,
 * and scales with mail and messaging traffic rather than with client apps.
 */
runService('channels', channelsConfig, async (rt) => {
  const { config, logger } = rt;
  const kv = await openStateBucket(rt.nats, config.CHANNELS_BUCKET, 'channels');
  const store = new ChannelStore(kv);
  const policy = new OutboundAddressPolicy({ allowedNetworks: config.OUTBOUND_ALLOWED_NETWORKS });
  const conversation = createGrpcClient(ConversationServiceClient, config.CONVERSATION_GRPC_ADDR);
  const routing = createGrpcClient(RoutingServiceClient, config.ROUTING_GRPC_ADDR);
  const registry = rt.metrics.registry;
  const inbound = new Counter({ name: 'channels_inbound_total', help: 'Messages and receipts received, by channel and outcome', labelNames: ['channel', 'outcome'] as const, registers: [registry] });
  const outbound = new Counter({ name: 'channels_outbound_total', help: 'Replies sent on their channel, by outcome', labelNames: ['channel', 'outcome'] as const, registers: [registry] });

  const objects: ObjectStore =
    config.S3_ENDPOINT && config.S3_BUCKET && config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
      ? new S3Store({ endpoint: config.S3_ENDPOINT, bucket: config.S3_BUCKET, region: config.S3_REGION, accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY })
      : new LocalFolderStore(config.ATTACHMENTS_DIR);
  const pipeline = new InboundPipeline({ store, conversation, routing, objects, logger, inbound, region: config.REGION });
  const directory = { find: (channel: ChannelKind, endpointId: string) => store.findEndpoint(channel, endpointId) };

  const email = new EmailAdapter({ relayUrl: config.SMTP_RELAY_URL, logger });
  const meta = new MetaAdapter({ graphApiUrl: config.GRAPH_API_URL, graphApiVersion: config.GRAPH_API_VERSION, lastCustomerMessageAt: async (m) => m.customerLastWroteAt });
  const adapters = new Map<ChannelKind, ChannelAdapter>([['email', email], ['whatsapp', meta], ['messenger', meta], ['instagram', meta]]);
  const dispatcher = new OutboundDispatcher({ nc: rt.nats, store, conversation, adapters, logger, outbound });
  await dispatcher.start();

  const pollers = new MailboxPollers({ store, policy, sink: pipeline, logger, pollIntervalMs: config.IMAP_POLL_INTERVAL_MS });
  await pollers.start();
  rt.grpc.addService(ChannelsServiceService, endpointCalls({ store, policy, objects, onChange: () => void pollers.refresh() }));

  if (config.SMTP_ENABLED) {
    const tls = config.SMTP_TLS_KEY_FILE && config.SMTP_TLS_CERT_FILE ? { key: readFileSync(config.SMTP_TLS_KEY_FILE), cert: readFileSync(config.SMTP_TLS_CERT_FILE) } : undefined;
    const smtp = await startSmtpListener({ host: config.SMTP_HOST, port: config.SMTP_PORT, maxMessageBytes: config.SMTP_MAX_MESSAGE_BYTES, directory, sink: pipeline, logger, metrics: registry, tls });
    logger.info({ smtp_port: smtp.port }, 'receiving email over SMTP');
    rt.onShutdown('smtp', () => smtp.close());
  }

  const http = Fastify({ logger: false });
  const media = new MediaFetcher({ graphApiUrl: config.GRAPH_API_URL, graphApiVersion: config.GRAPH_API_VERSION });
  await http.register(metaWebhookRoutes, { directory, sink: pipeline, verifyToken: () => config.META_VERIFY_TOKEN, logger, registry, media });
  http.get('/healthz', async () => ({ status: 'ok' }));
  await http.listen({ host: config.CHANNELS_HTTP_HOST, port: config.CHANNELS_HTTP_PORT });
  const address = http.server.address();
  logger.info({ http_port: typeof address === 'object' && address ? address.port : config.CHANNELS_HTTP_PORT }, 'receiving messaging-app webhooks');

  rt.onShutdown('channels', async () => {
    await http.close();
    dispatcher.stop();
    await pollers.stop();
    email.close();
    conversation.close();
    routing.close();
  });
});
