import { channelLabel } from './channelText';
import { fill, h } from './dom';
import type { Conversation } from './types';

/** The agent's conversations, newest activity first, each with its channel, subject and unread count. */
export class ConversationsView {
  readonly element: HTMLElement;
  private readonly list = h('ul', { testid: 'desk-conversations', className: 'conversations', 'aria-labelledby': 'conversations-title' });
  /** Multi-region: the regions whose conversations could not be listed (the list shows the others). */
  private readonly missing = h('p', { testid: 'desk-conversations-missing', className: 'hint', role: 'status', hidden: true });
  private openId: string | undefined;

  constructor(private readonly open: (conversationId: string) => void) {
    this.element = h('section', { className: 'panel', 'aria-labelledby': 'conversations-title' }, h('h2', { id: 'conversations-title' }, 'My conversations'), this.missing, this.list);
  }

  render(conversations: readonly Conversation[], unread: (id: string) => number, openId: string | undefined, missingRegions: readonly string[] = []): void {
    this.openId = openId;
    this.missing.hidden = missingRegions.length === 0;
    fill(this.missing, missingRegions.length ? `Not answering now: ${missingRegions.join(', ')}. Conversations that live there are missing from this list.` : '');
    const sorted = [...conversations].filter((c) => c.conversationId).sort((a, b) => (b.updatedAt ?? b.startedAt ?? '').localeCompare(a.updatedAt ?? a.startedAt ?? ''));
    if (sorted.length === 0) return fill(this.list, h('li', { className: 'hint' }, 'No conversations assigned to you.'));
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement.closest<HTMLElement>('[data-testid="desk-conversation"]')?.dataset.conversationId : undefined;
    fill(this.list, ...sorted.map((c) => this.itemOf(c, unread(c.conversationId!))));
    if (focused) this.list.querySelector<HTMLButtonElement>(`[data-conversation-id="${CSS.escape(focused)}"] button`)?.focus();
  }

  private itemOf(c: Conversation, unread: number): HTMLLIElement {
    const id = c.conversationId!;
    const last = c.messages?.[c.messages.length - 1];
    const channel = channelLabel(c.channel, c.channelProvider);
    const title = c.subject || `${channel} with ${c.customerId ?? 'a customer'}`;
    const current = id === this.openId;
    return h(
      'li',
      { testid: 'desk-conversation', 'data-conversation-id': id, className: current ? 'conversation-item current' : 'conversation-item', 'data-status': c.status },
      h(
        'button',
        { type: 'button', className: 'row', 'aria-current': current ? 'true' : undefined, onClick: () => this.open(id) },
        h('span', { className: 'title', testid: 'desk-conversation-title' }, title),
        h(
          'span',
          { className: 'sub' },
          h('span', { testid: 'desk-channel', className: 'channel-label', 'data-channel': c.channelProvider || c.channel }, h('span', { className: 'visually-hidden' }, 'Channel: '), channel),
          ' ',
          [c.status, c.priority && c.priority !== 'normal' ? c.priority : undefined].filter(Boolean).join(' · '),
        ),
        last?.text ? h('span', { className: 'snippet' }, last.text) : null,
        h('span', { testid: 'desk-unread', className: unread > 0 ? 'badge' : 'badge zero', 'data-count': unread }, unread),
        h('span', { className: 'visually-hidden' }, ' unread'),
      ),
    );
  }
}
