import { fill, h } from './dom';

export interface OfferItem {
  conversationId: string;
  queueId?: string;
  channel?: string;
  language?: string;
  expiresAt?: string;
}

/** Offers waiting for the agent: accept (or decline) each before it expires. */
export class OffersView {
  readonly element: HTMLElement;
  private readonly list = h('ul', { testid: 'desk-offers', className: 'offers', 'aria-labelledby': 'offers-title' });
  private readonly offers = new Map<string, OfferItem>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly actions: { accept(id: string): Promise<void>; decline(id: string): Promise<void> }) {
    this.element = h('section', { className: 'panel', 'aria-labelledby': 'offers-title' }, h('h2', { id: 'offers-title' }, 'Offers'), this.list);
    this.render();
  }

  /** Everything the gateway lists now (after a load or a reconnect). */
  replace(offers: OfferItem[]): void {
    this.offers.clear();
    for (const o of offers) this.offers.set(o.conversationId, o);
    this.render();
  }

  add(offer: OfferItem): void {
    this.offers.set(offer.conversationId, { ...this.offers.get(offer.conversationId), ...offer });
    this.render();
  }

  remove(conversationId: string): void {
    if (this.offers.delete(conversationId)) this.render();
  }

  private render(): void {
    const now = Date.now();
    for (const [id, o] of this.offers) if (o.expiresAt && Date.parse(o.expiresAt) < now - 2000) this.offers.delete(id);
    if (this.offers.size === 0) {
      fill(this.list, h('li', { className: 'hint' }, 'No offers right now.'));
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    fill(this.list, ...[...this.offers.values()].map((o) => this.itemOf(o, now)));
    // Expiry counts down, and an expired offer leaves the list even if its event is late.
    this.timer ??= setInterval(() => this.refreshCountdowns(), 1000);
  }

  private refreshCountdowns(): void {
    const now = Date.now();
    if ([...this.offers.values()].some((o) => o.expiresAt && Date.parse(o.expiresAt) < now - 2000)) return this.render();
    for (const el of this.list.querySelectorAll<HTMLElement>('[data-expires-at]')) el.textContent = leftOf(el.dataset.expiresAt!, now);
  }

  private itemOf(o: OfferItem, now: number): HTMLLIElement {
    const label = [o.channel ?? 'conversation', o.language && `in ${o.language}`, o.queueId && `queue ${o.queueId}`].filter(Boolean).join(' · ');
    const buttons = (accept: HTMLButtonElement, decline: HTMLButtonElement) => {
      const run = async (action: () => Promise<void>) => {
        accept.disabled = decline.disabled = true;
        try {
          await action();
        } finally {
          accept.disabled = decline.disabled = false;
        }
      };
      accept.addEventListener('click', () => void run(() => this.actions.accept(o.conversationId)));
      decline.addEventListener('click', () => void run(() => this.actions.decline(o.conversationId)));
      return h('div', { className: 'buttons' }, accept, decline);
    };
    return h(
      'li',
      { testid: 'desk-offer', 'data-conversation-id': o.conversationId, className: 'offer' },
      h('p', {}, h('strong', {}, label)),
      o.expiresAt ? h('p', { className: 'hint' }, 'Expires in ', h('span', { 'data-expires-at': o.expiresAt }, leftOf(o.expiresAt, now))) : null,
      buttons(
        h('button', { type: 'button', className: 'primary', testid: 'desk-offer-accept' }, 'Accept', h('span', { className: 'visually-hidden' }, ` ${label}`)),
        h('button', { type: 'button', testid: 'desk-offer-decline' }, 'Decline', h('span', { className: 'visually-hidden' }, ` ${label}`)),
      ),
    );
  }
}

const leftOf = (iso: string, now: number) => `${Math.max(0, Math.round((Date.parse(iso) - now) / 1000))}s`;
