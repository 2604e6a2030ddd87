/**
 * A scripted HTTP server on a free loopback port, standing in for a remote
 * provider (LibreTranslate, DeepL) in integration tests: each test says how
 * the next requests are answered, including errors, garbage and silence.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** How to answer: a status with a JSON or raw body, or no answer at all. */
export type FakeAnswer = { status: number; json?: unknown; raw?: string; headers?: Record<string, string> } | { hang: true };

export type Route = (request: RecordedRequest) => FakeAnswer;

export interface FakeHttpServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers `METHOD /path` with `route` from now on. */
  on(method: string, path: string, route: Route): void;
  close(): Promise<void>;
}

export async function startFakeHttpServer(): Promise<FakeHttpServer> {
  const routes = new Map<string, Route>();
  const requests: RecordedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString() };
      requests.push(recorded);
      const route = routes.get(`${recorded.method} ${recorded.path}`);
      const answer: FakeAnswer = route ? route(recorded) : { status: 404, json: { message: 'no route' } };
      if ('hang' in answer) {
        hanging.add(res);
        return;
      }
      const body = answer.raw ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
      res.writeHead(answer.status, { 'content-type': answer.raw === undefined ? 'application/json' : 'text/html', ...answer.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (method, path, route) => routes.set(`${method} ${path}`, route),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
