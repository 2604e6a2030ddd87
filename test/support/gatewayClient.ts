/**
 * A small HTTP, Server-Sent Events and WebSocket client for tests that talk
 * to a running gateway from outside, as a browser or an integrator would.
 */
import WebSocket from 'ws';

/** What a request carries to prove who it is. */
export type Credential = { bearer: string } | { apiKey: string };

export interface GatewayResponse {
  status: number;
  contentType: string;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export interface GatewayClient {
  call(method: string, path: string, credential?: Credential, body?: unknown): Promise<GatewayResponse>;
  /** `call`, expecting a 2xx; the parsed body. */
  ok<T = Record<string, unknown>>(method: string, path: string, credential?: Credential, body?: unknown): Promise<T>;
  /** Reads `GET path` as Server-Sent Events for `ms`, then disconnects; every `data:` payload parsed. */
  readEvents(path: string, credential: Credential, ms: number): Promise<{ status: number; frames: unknown[]; text: string }>;
  /** A WebSocket to `path` authenticated as a browser does (subprotocol `bearer.<token>`), once its `ready` frame came. */
  openSocket(path: string, token: string): Promise<TestSocket>;
}

export interface TestSocket {
  frames: Record<string, unknown>[];
  send(frame: object): void;
  close(): void;
}

const headersOf = (credential?: Credential, json = false): Record<string, string> => ({
  ...(json ? { 'content-type': 'application/json' } : {}),
  ...(credential && 'bearer' in credential ? { authorization: `Bearer ${credential.bearer}` } : {}),
  ...(credential && 'apiKey' in credential ? { 'x-api-key': credential.apiKey } : {}),
});

export function gatewayClient(baseUrl: string): GatewayClient {
  const call = async (method: string, path: string, credential?: Credential, body?: unknown): Promise<GatewayResponse> => {
    const res = await fetch(`${baseUrl}${path}`, { method, headers: headersOf(credential, body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json };
  };
  return {
    call,
    ok: async <T>(method: string, path: string, credential?: Credential, body?: unknown) => {
      const res = await call(method, path, credential, body);
      if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} answered ${res.status}: ${res.text}`);
      return res.json as T;
    },
    readEvents: async (path, credential, ms) => {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), ms);
      let text = '';
      let status = 0;
      try {
        const res = await fetch(`${baseUrl}${path}`, { headers: headersOf(credential), signal: abort.signal });
        status = res.status;
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      } finally {
        clearTimeout(timer);
      }
      const frames = text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => JSON.parse(l.slice('data: '.length)) as unknown);
      return { status, frames, text };
    },
    openSocket: async (path, token) => {
      const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`, ['cc.realtime.v1', `bearer.${token}`]);
      const frames: Record<string, unknown>[] = [];
      ws.on('message', (raw) => frames.push(JSON.parse(String(raw)) as Record<string, unknown>));
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      await poll(async () => frames.find((f) => f.type === 'ready'));
      return { frames, send: (frame) => ws.send(JSON.stringify(frame)), close: () => ws.close() };
    },
  };
}

/** Calls `probe` until it returns something other than undefined or false. */
export async function poll<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
