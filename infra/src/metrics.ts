import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { observedFollowers } from './events/follow';

/** Prometheus registry of one service, with the metrics the runtime kit records itself. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly grpcHandled: Histogram<'method' | 'code'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.grpcHandled = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time to handle a unary gRPC call, by method and status code',
      labelNames: ['method', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    registerFollowerGauges(this.registry);
  }

  /** Serves `GET /metrics` on its own port (0 picks a free one). */
  async serve(host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        this.registry.metrics().then(
          (body) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(body);
          },
          () => {
            res.writeHead(500).end();
          },
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    return {
      port: typeof address === 'object' && address ? address.port : port,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }
}

/**
 * Where each stream follower of the process stands (see events/follow.ts), read
 * at scrape time: the last stream sequence it handed out, how far the stream
 * (or its durable consumer) is ahead of it, and how often it had to consume
 * again (a NATS restart shows as one restart per follower, at once).
 */
function registerFollowerGauges(registry: Registry): void {
  const labelNames = ['follower'] as const;
  new Gauge({
    name: 'stream_follower_position',
    help: 'Stream sequence of the last event the follower handed out',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const f of observedFollowers()) this.set({ follower: f.name }, f.position);
    },
  });
  new Gauge({
    name: 'stream_follower_restarts',
    help: 'Times the follower consumed again after a failure or a NATS reconnect',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const f of observedFollowers()) this.set({ follower: f.name }, f.restarts);
    },
  });
  new Gauge({
    name: 'stream_follower_lag_messages',
    help: 'Events the stream (or the durable consumer) holds beyond what the follower handed out',
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        [...observedFollowers()].map(async (f) => {
          const lag = await f.lag().catch(() => undefined);
          if (lag !== undefined) this.set({ follower: f.name }, lag);
        }),
      );
    },
  });
}

/**
 * `http_server_request_duration_seconds` by method, route template (never the
 * raw URL: one series per route, not per conversation id) and status code,
 * for a service with an HTTP API (the gateway).
 */
export function httpRequestDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status_code'> {
  return new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

/**
 * The counter `name` of `registry`, made on first use (a second app on the
 * same registry shares it): for services that count a thing or two without
 * depending on prom-client themselves (the gateway).
 *
 * @example
 *   registeredCounter(registry, { name: 'gateway_region_forwards_total', help: '…', labelNames: ['region', 'outcome'] }).inc({ region: 'us', outcome: 'answered' });
 */
export function registeredCounter<L extends string>(registry: Registry, config: { name: string; help: string; labelNames: readonly L[] }): Counter<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name: config.name, help: config.help, labelNames: config.labelNames, registers: [registry] });
}
