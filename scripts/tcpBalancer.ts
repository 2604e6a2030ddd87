/**
 * A round-robin TCP balancer in front of several gateway replicas, as a
 * Kubernetes Service or an ingress would put them behind one address: each
 * new connection goes to the next replica, and a replica that refuses the
 * connection (killed, restarting) is skipped for the next one. HTTP
 * keep-alive, WebSocket and SSE connections stay on the replica they reached
 * until it closes them; a client that reconnects lands where the next turn
 * sends it. Used by the replica tests and by `npm start` with REPLICAS > 1.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpBalancer {
  port: number;
  /** Connections handed to each backend so far, in the order of `backends`. */
  readonly handed: number[];
  /** Ends every connection it carries (clients see them reset), as a network drop would; new ones are served as before. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Listens on `host:port` (default 127.0.0.1, a free port); dials the backends' ports on `backendHost` (default 127.0.0.1). */
export async function startTcpBalancer(
  backends: () => readonly number[],
  opts: { host?: string; port?: number; backendHost?: string } = {},
): Promise<TcpBalancer> {
  const host = opts.host ?? '127.0.0.1';
  const backendHost = opts.backendHost ?? '127.0.0.1';
  const handed: number[] = [];
  const open = new Set<Socket>();
  let turn = 0;
  const track = (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };

  /** Dials the backends from this turn on; the first that accepts gets the client. */
  const dial = (client: Socket, tried = 0): void => {
    const ports = backends();
    if (tried >= ports.length || client.destroyed) {
      client.destroy();
      return;
    }
    const index = turn++ % ports.length;
    const upstream = connect({ host: backendHost, port: ports[index]! });
    track(upstream);
    upstream.once('error', () => {
      upstream.destroy();
      if (!connected) dial(client, tried + 1);
      else client.destroy();
    });
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      handed[index] = (handed[index] ?? 0) + 1;
      // Either end closing closes the other: a killed replica drops its clients, who reconnect.
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on('error', () => client.destroy());
    dial(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    handed,
    dropConnections: () => {
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
