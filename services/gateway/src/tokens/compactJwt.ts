import { TokenRejectedError } from './tokenErrors';

/** A JWS compact token split into its parts, NOT verified. */
export interface CompactJwt {
  header: { alg?: unknown; kid?: unknown; [name: string]: unknown };
  claims: Record<string, unknown>;
  /** `base64url(header).base64url(payload)`: the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const PART = /^[A-Za-z0-9_-]*$/;

/**
 * Splits `header.payload.signature` and parses the JSON of the first two.
 * @throws TokenRejectedError when it is not a JWS compact token with JSON objects.
 */
export function parseCompactJwt(token: string): CompactJwt {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => PART.test(p))) throw new TokenRejectedError('bearer token is not a JWT (header.payload.signature)');
  const [h, p, s] = parts as [string, string, string];
  return { header: jsonObject(h, 'header'), claims: jsonObject(p, 'payload'), signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

function jsonObject(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TokenRejectedError(`bearer token's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}
