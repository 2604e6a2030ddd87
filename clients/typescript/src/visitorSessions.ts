import type { Client } from 'openapi-fetch';
import type { paths } from './generated/openapi';
import { ProblemError } from './problemError';

/** Who a visitor is: a customer id only with the HMAC the tenant's server made of it; name and e-mail are the visitor's own word. */
export interface VisitorIdentity {
  customerId?: string;
  identityHash?: string;
  name?: string;
  email?: string;
}

export interface VisitorSession {
  token: string;
  /** The customer id the session speaks for (`anon-…` for an anonymous visitor). */
  customerId: string;
  /** Whether the tenant's server vouched for the customer id. */
  verified: boolean;
  expiresAt: Date;
}

/** Renewed this long before it expires, so that no request goes out with a token about to lapse. */
const RENEW_BEFORE_MS = 60_000;

/**
 * The widget's visitor session: opened with the widget key on first use,
 * shared by concurrent requests (one `POST /v1/visitor/sessions`, not one per
 * request), renewed shortly before it expires. A failed opening is not kept:
 * the next request tries again.
 */
export class VisitorSessions {
  private pending: Promise<VisitorSession> | undefined;

  constructor(
    private readonly raw: Client<paths>,
    private readonly widgetKey: string,
    private readonly identity: VisitorIdentity,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<VisitorSession> {
    const pending = this.pending;
    if (pending) {
      const session = await pending.catch(() => undefined);
      if (session && session.expiresAt.getTime() - RENEW_BEFORE_MS > this.now()) return session;
      // Failed or about to expire: only the first caller to notice opens a new one.
      if (this.pending === pending) this.pending = undefined;
    }
    this.pending ??= this.open();
    return this.pending;
  }

  private async open(): Promise<VisitorSession> {
    let res;
    try {
      res = await this.raw.POST('/v1/visitor/sessions', { body: { widgetKey: this.widgetKey, ...this.identity } });
    } catch (err) {
      throw ProblemError.unreachable(err);
    }
    if (!res.response.ok || !res.data?.token) throw ProblemError.of(res.response, res.error);
    const { token, customerId, verified, expiresAt } = res.data;
    return { token, customerId: customerId ?? '', verified: verified ?? false, expiresAt: new Date(expiresAt ?? this.now() + 3600_000) };
  }
}
