/**
 * The whole stack for the isolation test (fresh NATS, fresh PostgreSQL, the
 * seven services as processes), tuned so that hundreds of attacks run quickly,
 * with a webhook receiver that fails every delivery and gRPC clients for the
 * state the gateway does not show.
 */
import { createGrpcClient } from '@contactcenter/infra';
import { PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { RoutingServiceClient } from '@contactcenter/proto/routing/v1';
import { TranslationServiceClient } from '@contactcenter/proto/translation/v1';
import { createServer } from 'node:http';
import { gatewayClient, type GatewayClient } from '../../support/gatewayClient';
import { startTestStack, type TestStack } from '../../support/stack';

/** Clients of the services whose state a snapshot reads directly. */
export interface ServiceClients {
  presence: PresenceServiceClient;
  routing: RoutingServiceClient;
  translation: TranslationServiceClient;
}

export interface IsolationStack {
  stack: TestStack;
  api: GatewayClient;
  services: ServiceClients;
  /** Where A's webhook points: every delivery there fails. */
  receiverUrl: string;
  stop(): Promise<void>;
}

export async function startIsolationStack(): Promise<IsolationStack> {
  // Every webhook delivery fails, twice, quickly: A gets failed deliveries to target.
  const receiver = createServer((r, res) => r.resume().on('end', () => res.writeHead(500).end()));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  let stack: TestStack;
  try {
    stack = await startTestStack({
      extraEnv: {
        // Hundreds of attacks from one address within seconds: rate limits are not what this test is about.
        gateway: { WEBHOOKS_ALLOW_INSECURE: 'true', OUTBOUND_ALLOWED_NETWORKS: '127.0.0.0/8', WEBHOOKS_RETRY_SCHEDULE_MS: '50', WEBHOOKS_TIMEOUT_MS: '1000', RATE_LIMIT_PER_KEY_PER_MINUTE: '100000', RATE_LIMIT_PER_IP_PER_MINUTE: '1000000' },
        // A's desk must stay online however long the attacks take.
        presence: { HEARTBEAT_TIMEOUT_MS: '600000' },
      },
    });
  } catch (err) {
    await new Promise((r) => receiver.close(r));
    throw err;
  }
  const addr = (n: 'presence' | 'routing' | 'translation') => `127.0.0.1:${stack.ports.get(n)!.grpcPort}`;
  const services: ServiceClients = {
    presence: createGrpcClient(PresenceServiceClient, addr('presence')),
    routing: createGrpcClient(RoutingServiceClient, addr('routing')),
    translation: createGrpcClient(TranslationServiceClient, addr('translation')),
  };
  return {
    stack,
    api: gatewayClient(stack.gatewayUrl),
    services,
    receiverUrl,
    async stop() {
      for (const c of Object.values(services)) c.close();
      await stack.teardown();
      await new Promise((r) => receiver.close(r));
    },
  };
}
