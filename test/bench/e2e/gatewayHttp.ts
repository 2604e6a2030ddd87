/**
 * JSON requests to the gateway through node:http, cheaper per call than fetch
 * (test/support/gatewayClient.ts), which matters here: the bench shares 2
 * cores with the stack it measures.
 */
import http from 'node:http';

const POST_TIMEOUT_MS = 15_000;

export type Reply = { status: number; body: string; headers: http.IncomingHttpHeaders };

/** Per request: extra headers (e.g. `Idempotency-Key`) and a timeout other than the default 15 s. */
export type RequestOptions = { headers?: Record<string, string>; timeoutMs?: number };

export interface GatewayHttp {
  /** The gateway's origin (`http://host:port`), for the WebSocket URL. */
  origin: string;
  /** Any answer, as it came. */
  request(method: string, path: string, token: string | undefined, body?: unknown, options?: RequestOptions): Promise<Reply>;
  /** A request that must succeed (setup): the parsed body. */
  api<T = Record<string, unknown>>(method: string, path: string, token: string | undefined, body?: unknown): Promise<T>;
  /** Closes the kept-alive connections. */
  close(): void;
}

export function createGatewayHttp(gatewayUrl: string): GatewayHttp {
  const gateway = new URL(gatewayUrl);
  /** Keep-alive connections, as a widget's browser or a load balancer would hold them; plenty so that an open-loop burst never waits for a socket. */
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

  const request = (method: string, path: string, token: string | undefined, body?: unknown, options: RequestOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? POST_TIMEOUT_MS;
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          agent,
          host: gateway.hostname,
          port: gateway.port,
          method,
          path,
          timeout: timeoutMs,
          headers: {
            ...options.headers,
            ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });

  return {
    origin: gateway.origin,
    request,
    api: async <T>(method: string, path: string, token: string | undefined, body?: unknown) => {
      const res = await request(method, path, token, body);
      if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
      return (res.body ? JSON.parse(res.body) : {}) as T;
    },
    close: () => agent.destroy(),
  };
}
