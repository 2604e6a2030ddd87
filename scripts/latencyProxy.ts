/**
 * A TCP proxy on loopback that holds every byte for `delayMs` in each
 * direction, so a round trip through it gains 2 × delayMs: two regions on one
 * machine then talk as if they were far apart (scripts/natsSuperCluster.ts
 * puts one in front of each cluster's gateway port).
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface LatencyProxy {
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (a free port unless `port`) and forwards each connection to 127.0.0.1:`targetPort`. */
export async function startLatencyProxy(targetPort: number, delayMs: number, opts: { port?: number } = {}): Promise<LatencyProxy> {
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    track(client);
    track(upstream);
    delayed(client, upstream, delayMs);
    delayed(upstream, client, delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Copies `from` to `to` `delayMs` late. Timers of one duration fire in the
 * order they were set, so the bytes keep their order; the end (or a reset)
 * follows the last byte, as it would over a long wire.
 */
function delayed(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.once('close', () => setTimeout(() => to.destroy(), delayMs));
}
