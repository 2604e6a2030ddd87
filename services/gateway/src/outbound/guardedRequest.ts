import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { RefusedAddressError, type OutboundAddressPolicy } from '@contactcenter/infra/outbound';

/** Why an outbound request failed, in words that say nothing about the network behind the target. */
export type OutboundFailureReason = 'refused_address' | 'connect_failed' | 'timeout' | 'tls' | 'too_large';

const DESCRIPTIONS: Record<OutboundFailureReason, string> = {
  refused_address: 'refused: address not allowed',
  connect_failed: 'connection failed',
  timeout: 'timeout',
  tls: 'TLS handshake failed',
  too_large: 'response too large',
};

/**
 * The one error of guardedRequest. Its message is the generic reason, safe to
 * show to a tenant; the socket error (ECONNRESET, a TLS alert…) is only the
 * `cause`, for logs: showing it would tell what listens where.
 */
export class OutboundRequestError extends Error {
  constructor(
    readonly reason: OutboundFailureReason,
    options?: { cause?: unknown },
  ) {
    super(DESCRIPTIONS[reason], options);
    this.name = 'OutboundRequestError';
  }
}

export interface GuardedRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Deadline of the whole exchange, connection to last byte. */
  timeoutMs: number;
  policy: OutboundAddressPolicy;
  /** Largest response body read (default 64 KiB); beyond, `too_large`. */
  maxResponseBytes?: number;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_CRYPTO_)/;

function failureOf(err: unknown): OutboundRequestError {
  if (err instanceof OutboundRequestError) return err;
  if (err instanceof RefusedAddressError) return new OutboundRequestError('refused_address', { cause: err });
  const { code = '', message = '' } = (err ?? {}) as NodeJS.ErrnoException;
  // OpenSSL failures come as EPROTO with "SSL routines" in the text, certificate ones with their own codes.
  const tls = TLS_CODE.test(code) || (code === 'EPROTO' && /SSL routines/.test(message));
  return new OutboundRequestError(tls ? 'tls' : 'connect_failed', { cause: err });
}

/**
 * One HTTP(S) request to a URL a tenant gave, dialled only to addresses the
 * policy allows (checked on the address actually connected to). Redirects are
 * never followed: a 3xx is answered as it is. A fresh connection each time (no
 * pooled socket that skipped this policy's check).
 *
 * @example
 *   const res = await guardedRequest('https://hooks.example.com/in', { method: 'POST', body, timeoutMs: 5_000, policy });
 *   res.status; // 200
 * @throws OutboundRequestError with a generic `reason`.
 */
export function guardedRequest(target: URL | string, opts: GuardedRequestOptions): Promise<GuardedResponse> {
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return new Promise<GuardedResponse>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(target);
    } catch (err) {
      return reject(new OutboundRequestError('refused_address', { cause: err }));
    }
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // net skips `lookup` for IP literals: check those here.
    const refusal = !client ? `scheme ${url.protocol} is not http(s)` : isIP(hostname) ? opts.policy.refusalOf(hostname) : undefined;
    if (refusal) return reject(new OutboundRequestError('refused_address', { cause: new RefusedAddressError(`${hostname} ${refusal}`) }));

    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(failureOf(err));
    };
    const req = client!.request(
      {
        protocol: url.protocol,
        hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: opts.method ?? 'GET',
        headers: { ...opts.headers, ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) },
        lookup: opts.policy.lookup,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return fail(new OutboundRequestError('too_large'));
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
      },
    );
    const timer = setTimeout(() => fail(new OutboundRequestError('timeout')), opts.timeoutMs);
    req.on('error', fail);
    req.end(opts.body);
  });
}
