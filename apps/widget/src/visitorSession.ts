import { createClient, ProblemError } from '@contactcenter/client';
import type { SavedChatStore } from './savedChat';

/** Renewed this long before it expires, so that no request goes out with a token about to lapse. */
const RENEW_BEFORE_MS = 60_000;

/**
 * The visitor session, kept in the tab's sessionStorage so that a reload
 * speaks for the same visitor (and so still owns their conversation): opened
 * with the widget key when there is none (or it is about to expire), shared
 * by concurrent callers. `forget()` drops a session the gateway refused.
 */
export class VisitorSessionSource {
  private pending: Promise<string> | undefined;
  private readonly anonymous;

  constructor(
    gateway: string,
    private readonly widgetKey: string,
    private readonly saved: SavedChatStore,
  ) {
    this.anonymous = createClient({ baseUrl: gateway });
  }

  /** The current token (a TokenSource for the typed client). */
  token = async (): Promise<string> => {
    const s = this.saved.get().session;
    if (s && s.expiresAt - RENEW_BEFORE_MS > Date.now()) return s.token;
    this.pending ??= this.open().finally(() => (this.pending = undefined));
    return this.pending;
  };

  /** Whether the session in use came from an earlier page of this tab. */
  hasSaved(): boolean {
    return this.saved.get().session !== undefined;
  }

  forget(): void {
    this.saved.update({ session: undefined });
  }

  private async open(): Promise<string> {
    const res = await this.anonymous.POST('/v1/visitor/sessions', { body: { widgetKey: this.widgetKey } });
    if (!res.token) throw new ProblemError({ status: 502, code: 'bad_gateway', detail: 'the gateway answered the session without a token' });
    this.saved.update({ session: { token: res.token, customerId: res.customerId ?? '', expiresAt: res.expiresAt ? Date.parse(res.expiresAt) : Date.now() + 3600_000 } });
    return res.token;
  }
}
