/**
 * Support addresses and their reply tokens. Replies we send carry
 * `Reply-To: <local>+c-<token>@<domain>`, so a customer's answer names its
 * conversation even when their mail client drops In-Reply-To. The token is
 * matched case-insensitively (some relays fold local parts), so tokens are
 * lower-case letters, digits, `_` and `-`.
 *
 * @example
 *   splitSupportAddress('Support+c-tk9x2@Shop.example') // { base: 'support@shop.example', token: 'tk9x2' }
 *   replyToAddress('support@shop.example', 'tk9x2')      // 'support+c-tk9x2@shop.example'
 */

const TOKEN_PREFIX = 'c-';

/** Lower case, without surrounding angle brackets and blanks. */
export function normalizeAddress(address: string): string {
  return address.trim().replace(/^<|>$/g, '').toLowerCase();
}

/**
 * The address a tenant configured (`+…` removed) and the reply token when the
 * `+…` part is one of ours (`+c-<token>`).
 */
export function splitSupportAddress(address: string): { base: string; token?: string } {
  const normalized = normalizeAddress(address);
  const at = normalized.lastIndexOf('@');
  if (at <= 0) return { base: normalized };
  const local = normalized.slice(0, at);
  const plus = local.indexOf('+');
  if (plus < 0) return { base: normalized };
  const base = `${local.slice(0, plus)}${normalized.slice(at)}`;
  const detail = local.slice(plus + 1);
  const token = detail.startsWith(TOKEN_PREFIX) ? detail.slice(TOKEN_PREFIX.length) : '';
  return /^[a-z0-9_-]+$/.test(token) ? { base, token } : { base };
}

/** `support@shop.example` + `tk9x2` → `support+c-tk9x2@shop.example`. */
export function replyToAddress(fromAddress: string, token: string): string {
  const normalized = normalizeAddress(fromAddress);
  const at = normalized.lastIndexOf('@');
  return `${normalized.slice(0, at)}+${TOKEN_PREFIX}${token.toLowerCase()}${normalized.slice(at)}`;
}

/** The domain of an address (`shop.example`), or '' when it has none. */
export function addressDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : normalizeAddress(address.slice(at + 1));
}

/** A Message-ID without its angle brackets, as stored in thread keys and delivery updates. */
export function bareMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim();
}
