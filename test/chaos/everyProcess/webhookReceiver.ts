/**
 * The integrator's webhook endpoint, on 127.0.0.1 (the gateway runs with
 * OUTBOUND_ALLOWED_NETWORKS=127.0.0.0/8 and WEBHOOKS_ALLOW_INSECURE=true to
 * reach it): each delivered MessagePosted reported to the ledger, answered
 * 204 at once. Delivery is at least once, so repeats are counted, not refused.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChaosLedger } from './chaosLedger';

export interface WebhookReceiver {
  url: string;
  deliveries: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(ledger: ChaosLedger): Promise<WebhookReceiver> {
  let deliveries = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries++;
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { message?: { clientMessageId?: string } } };
        ledger.onWebhook(event.data?.message?.clientMessageId);
      } catch {
        // not a CloudEvent: nothing to count
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/chaos`,
    get deliveries() {
      return deliveries;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
