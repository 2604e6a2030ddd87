import { isEvent, type ContactCenterClient, type ContactCenterEvent, type TypingFrame } from '@contactcenter/client';
import { channelLabel, deliveryStatusOf, deliveryText, type Delivery } from './channelText';
import { ConversationDetails } from './details';
import { fill, h, timeOf } from './dom';
import type { Staff } from './jwt';
import { messageOf, translationFor, withDelivery, withMessage, withTranslation, type DeskMessage } from './messageLog';
import type { ProblemBanner } from './problems';
import { ReplyBox } from './replyBox';
import type { CannedResponse, Conversation } from './types';

export interface ThreadDeps {
  client: ContactCenterClient;
  staff: Staff;
  banner: ProblemBanner;
  /** The languages the agent reads, most preferred first. */
  agentLanguages: readonly string[];
  canned(): readonly CannedResponse[];
  /** Suggestions for transfers. */
  targets(): { agents: { id: string; label: string }[]; teams: { id: string; label: string }[] };
  /** The agent asked to open another conversation (from the customer's timeline). */
  openConversation(conversationId: string): void;
  /** Something about a conversation changed through the desk (resolved, transferred, …). */
  changed(conversationId: string): void;
  /** The agent read the conversation's messages. */
  read(conversationId: string): void;
  /** Tells the customer the agent is (no longer) typing; ephemeral, false when the socket is down. */
  typing(conversationId: string, typing: boolean): boolean;
  supervisor: boolean;
}

const DELIVERY_UPDATED = 'contactcenter.conversation.v1.MessageDeliveryUpdated';

const AUTHOR_LABEL: Record<DeskMessage['author'], string> = { customer: 'Customer', agent: 'Agent', bot: 'Bot', system: 'System' };

/**
 * The open conversation: its messages in order (each once, with its
 * translation beside the original, and for email and messaging apps how
 * far each reply got), its channel, the reply box (replyBox.ts),
 * and beside them the conversation's details (notes, tags, priority,
 * transfer, resolve, reopen, ticket, the customer's timeline, history).
 */
export class ThreadView {
  readonly element: HTMLElement;
  conversationId: string | undefined;
  conversation: Conversation | undefined;
  private log: DeskMessage[] = [];
  private readonly title = h('h2', { id: 'thread-title' }, 'No conversation open');
  private readonly meta = h('p', { className: 'meta' });
  private readonly messages = h('ol', { className: 'messages', 'aria-label': 'Messages', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: 0 });
  private readonly items = new Map<string, { item: HTMLLIElement; key: string; delivery: HTMLElement }>();
  private readonly composer: ReplyBox;
  private readonly body = h('div', { className: 'thread-body', hidden: true });
  private readonly empty = h('p', { className: 'empty' }, 'Pick a conversation or accept an offer to start.');
  private readonly details: ConversationDetails;
  private loadSeq = 0;
  private detailsLoadedFor: string | undefined;

  constructor(private readonly deps: ThreadDeps) {
    this.details = new ConversationDetails({
      ...deps,
      refresh: () => void this.refresh(),
      patch: (patch) => this.patch(patch),
    });
    this.composer = new ReplyBox({
      ...deps,
      conversationId: () => this.conversationId,
      sent: (conversationId, message) => {
        if (conversationId === this.conversationId) this.addMessage(message);
      },
      refused: (conversationId) => {
        if (conversationId === this.conversationId) void this.refresh();
      },
    });
    this.body.append(
      h('section', { className: 'conversation', 'aria-labelledby': 'thread-title' }, this.title, this.meta, this.messages, this.composer.element),
      this.details.element,
    );
    this.element = h('div', { testid: 'desk-thread', className: 'thread', id: 'thread' }, this.empty, this.body);
  }

  /** Opens a conversation (its messages, details, timeline), replacing the one open. */
  async open(conversationId: string): Promise<void> {
    const seq = ++this.loadSeq;
    if (this.conversationId !== conversationId) {
      this.composer.leave();
      this.conversationId = conversationId;
      this.log = [];
      this.items.clear();
      this.messages.replaceChildren();
      fill(this.title, 'Loading conversation…');
      this.meta.replaceChildren();
      this.element.setAttribute('data-conversation-id', conversationId);
      this.details.reset(conversationId);
      this.detailsLoadedFor = undefined;
    }
    this.empty.hidden = true;
    this.body.hidden = false;
    try {
      const conversation = await this.deps.client.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId } } });
      if (seq !== this.loadSeq) return;
      this.show(conversation);
      this.deps.read(conversationId);
      // Notes, history and timeline once per opening: a refresh after an action keeps them (events keep them live).
      if (this.detailsLoadedFor !== conversationId) {
        this.detailsLoadedFor = conversationId;
        void this.details.loadCustomer(conversation);
      }
    } catch (err) {
      if (seq === this.loadSeq) this.deps.banner.show(err, 'Opening the conversation');
    }
  }

  close(): void {
    this.loadSeq++;
    this.conversationId = undefined;
    this.conversation = undefined;
    this.element.removeAttribute('data-conversation-id');
    this.body.hidden = true;
    this.empty.hidden = false;
  }

  /** The conversation again from the gateway (after a change, or a reconnect). */
  async refresh(): Promise<void> {
    if (this.conversationId) await this.open(this.conversationId);
  }

  /** A new set of canned responses. */
  renderCanned(): void {
    this.composer.renderCanned();
  }

  /** The live feed: what concerns the open conversation. */
  onEvent(event: ContactCenterEvent): void {
    const id = this.conversationId;
    if (!id) return;
    const data = event.data as { conversationId?: string };
    if ((data.conversationId ?? event.subject) !== id) return;
    if (event.type === DELIVERY_UPDATED) {
      const d = event.data as Delivery & { messageId?: string; occurredAt?: string };
      if (d.messageId) {
        this.log = withDelivery(this.log, d.messageId, { status: deliveryStatusOf(d.status), detail: d.detail, willRetry: d.willRetry, updatedAt: d.occurredAt ?? event.time });
        const message = this.log.find((m) => m.messageId === d.messageId);
        if (message) this.renderMessage(message);
      }
    } else if (isEvent(event, 'contactcenter.conversation.v1.MessagePosted')) {
      const message = event.data.message && messageOf(event.data.message);
      if (message) this.addMessage(message);
      // The customer wrote: a messaging app's reply window opens again (its new closing time is the gateway's to say).
      if (message?.author === 'customer' && this.conversation?.replyWindowClosesAt) void this.refresh();
      if (document.visibilityState === 'visible') this.deps.read(id);
    } else if (isEvent(event, 'contactcenter.conversation.v1.MessageTranslated')) {
      const d = event.data;
      if (d.messageId && d.targetLanguage && d.text) {
        this.log = withTranslation(this.log, d.messageId, d.targetLanguage, d.text);
        const message = this.log.find((m) => m.messageId === d.messageId);
        if (message) this.renderMessage(message);
      }
    } else if (isEvent(event, 'contactcenter.conversation.v1.CustomerLanguageChanged') && event.data.language) {
      this.patch({ language: event.data.language });
    }
    this.details.onEvent(event);
  }

  /** Someone else in the open conversation is (no longer) typing. */
  onTyping(frame: TypingFrame): void {
    this.composer.onTyping(frame);
  }

  /** Local changes the desk knows before the gateway's events confirm them. */
  patch(patch: Partial<Conversation>): void {
    if (!this.conversation) return;
    this.conversation = { ...this.conversation, ...patch };
    this.renderMeta();
    this.details.show(this.conversation);
  }

  private show(conversation: Conversation): void {
    this.conversation = conversation;
    for (const m of conversation.messages ?? []) {
      const message = messageOf(m);
      if (message) this.log = withMessage(this.log, message);
    }
    this.renderMeta();
    this.renderMessages();
    this.details.show(conversation);
  }

  private renderMeta(): void {
    const c = this.conversation;
    if (!c) return;
    fill(this.title, c.subject ? `${c.subject}` : `Conversation with ${c.customerId ?? 'a customer'}`);
    const bits = [c.language && `language ${c.language}`, c.status, c.priority && `priority ${c.priority}`, c.ticketStatus && `ticket ${c.ticketStatus}`, c.customerId && `customer ${c.customerId}`];
    const label = channelLabel(c.channel, c.channelProvider);
    fill(
      this.meta,
      h('span', { testid: 'desk-thread-channel', className: 'channel-label', 'data-channel': c.channelProvider || c.channel }, h('span', { className: 'visually-hidden' }, 'Channel: '), label),
      ` ${bits.filter(Boolean).join(' · ')}`,
    );
    this.composer.showWindow(c);
  }

  private addMessage(message: DeskMessage): void {
    const before = this.log.length;
    this.log = withMessage(this.log, message);
    if (this.log.length === before) this.renderMessage(this.log.find((m) => m.messageId === message.messageId)!);
    else this.renderMessages();
  }

  /** Every message, in order, reusing the items already drawn. */
  private renderMessages(): void {
    const stick = this.messages.scrollHeight - this.messages.scrollTop - this.messages.clientHeight < 40;
    const items = this.log.map((m) => this.itemOf(m));
    // Only new items are inserted (in place): the live region announces them, not the whole thread again.
    items.forEach((item, i) => {
      const at = this.messages.children[i];
      if (at !== item) this.messages.insertBefore(item, at ?? null);
    });
    while (this.messages.children.length > items.length) this.messages.lastElementChild!.remove();
    if (stick || items.length < 3) this.messages.scrollTop = this.messages.scrollHeight;
  }

  private renderMessage(message: DeskMessage): void {
    const existing = this.messages.querySelector(`li[data-message-id="${CSS.escape(message.messageId)}"]`);
    const item = this.itemOf(message);
    if (existing && existing !== item) existing.replaceWith(item);
  }

  private itemOf(message: DeskMessage): HTMLLIElement {
    const translation = message.author === 'customer' ? translationFor(message, this.deps.agentLanguages, this.conversation?.language) : undefined;
    const key = JSON.stringify([message.text, translation, message.revision, message.author, message.template]);
    const cached = this.items.get(message.messageId);
    // A new delivery status changes its line in place: the live region does not read the whole message again.
    if (cached && cached.key === key && cached.item.isConnected) return showDelivery(cached.delivery, message.delivery), cached.item;
    const delivery = showDelivery(h('p', { testid: 'desk-delivery', className: 'delivery' }), message.delivery);
    const t = message.template;
    const who = message.author === 'agent' ? (message.authorId === this.deps.staff.id ? 'You' : `Agent ${message.authorId}`) : AUTHOR_LABEL[message.author];
    const item = h(
      'li',
      { testid: 'desk-message', 'data-message-id': message.messageId, 'data-author': message.author, className: `message ${message.author}` },
      h('p', { className: 'who' }, who, message.postedAt ? h('time', { datetime: message.postedAt }, ` · ${timeOf(message.postedAt)}`) : null),
      h(
        'div',
        { className: translation ? 'bubble with-translation' : 'bubble' },
        t ? h('p', { testid: 'desk-message-template', className: 'template-label' }, `Template ${t.name} (${t.language})`) : null,
        h('p', { testid: 'desk-message-original', className: 'original', lang: message.language }, message.text || (t?.parameters ?? []).join(' · ')),
        translation
          ? h('p', { testid: 'desk-message-translation', className: 'translation', lang: translation.language }, h('span', { className: 'label' }, `Translated (${translation.language}): `), translation.text)
          : null,
      ),
      delivery,
    );
    this.items.set(message.messageId, { item, key, delivery });
    return item;
  }

  /** Focus for keyboard users after opening from the list. */
  focusReply(): void {
    this.composer.focus();
  }
}

/** The message's delivery line: hidden for chat, else its status in words (with the status as data for styles and tests). */
function showDelivery(el: HTMLElement, delivery: Delivery | undefined): HTMLElement {
  const text = deliveryText(delivery);
  el.hidden = !text;
  el.dataset.status = text ? deliveryStatusOf(delivery?.status) : '';
  if (el.textContent !== `Delivery: ${text}`) fill(el, h('span', { className: 'visually-hidden' }, 'Delivery: '), text ?? '');
  return el;
}
