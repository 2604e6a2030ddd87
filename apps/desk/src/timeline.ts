import type { ContactCenterClient } from '@contactcenter/client';
import { channelLabel } from './channelText';
import { fill, h, timeOf } from './dom';
import type { ProblemBanner } from './problems';
import type { TimelineEntry } from './types';

/**
 * The customer's timeline across channels: their email, chat and other
 * conversations (linked identities included), each with its status, its
 * ticket's and its last messages; any of them can be opened.
 */
export class TimelinePanel {
  readonly element: HTMLElement;
  private readonly list = h('ol', { className: 'timeline' });
  private readonly more = h('button', { type: 'button', hidden: true }, 'Older conversations');
  private customerId: string | undefined;
  private currentId: string | undefined;
  private nextPageToken: string | undefined;
  private seq = 0;

  constructor(private readonly deps: { client: ContactCenterClient; banner: ProblemBanner; openConversation(id: string): void; identities(customerIds: readonly string[]): void }) {
    this.more.addEventListener('click', () => void this.page());
    this.element = h(
      'section',
      { className: 'panel', testid: 'desk-timeline', 'aria-labelledby': 'timeline-title' },
      h('h3', { id: 'timeline-title' }, "Customer's timeline"),
      this.list,
      this.more,
    );
  }

  reset(): void {
    this.seq++;
    this.customerId = undefined;
    this.nextPageToken = undefined;
    fill(this.list, h('li', { className: 'hint' }, 'Loading…'));
    this.more.hidden = true;
  }

  async load(customerId: string, currentId: string): Promise<void> {
    // A load still under way (an earlier one) must not append its page to this one.
    this.seq++;
    this.customerId = customerId;
    this.currentId = currentId;
    this.list.replaceChildren();
    this.nextPageToken = undefined;
    await this.page();
  }

  private async page(): Promise<void> {
    const customerId = this.customerId;
    if (!customerId) return;
    const seq = this.seq;
    try {
      const res = await this.deps.client.GET('/v1/customers/{customerId}/timeline', { params: { path: { customerId }, query: this.nextPageToken ? { pageToken: this.nextPageToken } : {} } });
      if (seq !== this.seq) return;
      if (!this.nextPageToken) this.deps.identities(res.customerIds ?? [customerId]);
      this.list.append(...(res.entries ?? []).map((e) => this.itemOf(e)));
      if (!this.list.firstChild) this.list.append(h('li', { className: 'hint' }, 'No other conversations.'));
      this.nextPageToken = res.nextPageToken;
      this.more.hidden = !res.nextPageToken;
    } catch (err) {
      if (seq !== this.seq) return;
      fill(this.list, h('li', { className: 'hint' }, 'The timeline could not be loaded.'));
      this.deps.banner.show(err, "Loading the customer's timeline");
    }
  }

  private itemOf(entry: TimelineEntry): HTMLLIElement {
    const c = entry.conversation ?? {};
    const id = c.conversationId ?? '';
    const current = id === this.currentId;
    const channel = channelLabel(c.channel, c.channelProvider);
    const heading = [c.subject, c.status, c.ticketStatus && `ticket ${c.ticketStatus}`].filter(Boolean).join(' · ');
    const recent = (entry.recentMessages ?? []).slice(-2);
    return h(
      'li',
      { 'data-entry-id': id, className: current ? 'current' : undefined, 'data-channel': c.channel },
      h('p', { className: 'who' }, h('span', { testid: 'desk-timeline-channel', className: 'channel-label', 'data-channel': c.channelProvider || c.channel }, h('span', { className: 'visually-hidden' }, 'Channel: '), channel), heading ? ` · ${heading}` : '', c.startedAt ? h('time', { datetime: c.startedAt }, ` · ${timeOf(c.startedAt)}`) : null),
      ...recent.map((m) => h('p', { className: 'snippet' }, `${m.authorKind ?? ''}: ${m.text ?? ''}`)),
      current ? h('p', { className: 'hint' }, 'This conversation') : h('button', { type: 'button', onClick: () => this.deps.openConversation(id) }, `Open ${channel.toLowerCase() === 'conversation' ? 'conversation' : `${channel} conversation`}`, h('span', { className: 'visually-hidden' }, ` ${id}`)),
    );
  }
}
