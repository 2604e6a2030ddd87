import type { ContactCenterClient } from '@contactcenter/client';
import { asProblem } from './failureNotice';
import type { ProblemError } from '@contactcenter/client';

/** How often the visitor's activity is reported while they browse (and once at load). */
export const ACTIVITY_EVERY_MS = 15_000;

export interface Invitation {
  invitationId: string;
  message: string;
}

export interface ActivityOptions {
  client: ContactCenterClient;
  /** The cart's value now (the site's `window.ccWidget.cartValue`, or `data-cart-value`). */
  cartValue(): number | undefined;
  currency: string | undefined;
  language(): string;
  /** No report while a conversation is under way: the visitor is already talking to us. */
  paused(): boolean;
  onInvitation(invitation: Invitation): void;
  /** A failed report; answer false to stop reporting (the widget key is refused). */
  onFailure(problem: ProblemError): boolean;
  onSuccess(): void;
}

const PAGES_KEY = 'cc-widget:pages-viewed';

/**
 * Pages of the site the visitor has viewed in this visit (this tab's session),
 * this one included: each page that loads the widget counts once. Storage
 * refused (a privacy mode): this page alone.
 */
export function countThisPageView(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = globalThis.sessionStorage): number {
  try {
    const seen = Number(storage?.getItem(PAGES_KEY) ?? '0');
    const now = Math.min(10_000, (Number.isInteger(seen) && seen > 0 ? seen : 0) + 1);
    storage?.setItem(PAGES_KEY, String(now));
    return now;
  } catch {
    return 1;
  }
}

/**
 * Reports what the visitor does on the site (page, time on page, pages viewed in the visit, cart value)
 * so that the tenant's rules can invite them to chat; the gateway answers
 * with the invitation when a rule matches. Invitations come only in this
 * answer: they are not events a visitor's socket carries.
 */
export class ActivityReporter {
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight = false;
  /** A refused widget key will not be accepted on the next tick either. */
  private stopped = false;
  private readonly pagesViewed = countThisPageView();

  constructor(private readonly options: ActivityOptions) {}

  start(): void {
    if (this.timer) return;
    void this.report();
    this.timer = setInterval(() => void this.report(), ACTIVITY_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
  }

  async report(): Promise<void> {
    const o = this.options;
    if (this.inFlight || this.stopped || o.paused()) return;
    this.inFlight = true;
    try {
      const cart = o.cartValue();
      const answer = await o.client.POST('/v1/visitor/activity', {
        body: {
          url: location.href.slice(0, 2048),
          // The page's own clock: time since this page was opened.
          timeOnPageSeconds: Math.min(86_400, Math.floor(performance.now() / 1000)),
          pagesViewed: this.pagesViewed,
          ...(cart !== undefined && Number.isFinite(cart) && cart >= 0 ? { cartValue: cart } : {}),
          ...(o.currency ? { currency: o.currency } : {}),
          language: o.language(),
        },
      });
      o.onSuccess();
      const invitation = answer.invitation;
      if (invitation?.invitationId && !o.paused()) o.onInvitation({ invitationId: invitation.invitationId, message: invitation.message ?? '' });
    } catch (err) {
      if (!o.onFailure(asProblem(err))) this.stop();
    } finally {
      this.inFlight = false;
    }
  }
}
