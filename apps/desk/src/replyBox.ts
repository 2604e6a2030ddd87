import { ProblemError, type ContactCenterClient, type TypingFrame } from '@contactcenter/client';
import { replyWindowOf } from './channelText';
import { fill, h } from './dom';
import type { Staff } from './jwt';
import type { DeskMessage } from './messageLog';
import { firstNameOf, fillPlaceholders } from './placeholders';
import { withRetries, type ProblemBanner } from './problems';
import { ReplyWindowPanel } from './replyWindow';
import { randomId } from './sessionStore';
import type { CannedResponse, Conversation, MessageTemplate } from './types';

export interface ReplyDeps {
  client: ContactCenterClient;
  staff: Staff;
  banner: ProblemBanner;
  agentLanguages: readonly string[];
  canned(): readonly CannedResponse[];
  read(conversationId: string): void;
  typing(conversationId: string, typing: boolean): boolean;
  /** The conversation the box writes to now. */
  conversationId(): string | undefined;
  /** The gateway took a message: show it at once (its event, when it comes, is the same message). */
  sent(conversationId: string, message: DeskMessage): void;
  /** The gateway refused a message for the conversation's state (409: its reply window closed): read it again. */
  refused(conversationId: string): void;
}

/** A message being sent: shown until the gateway confirms it, with the same idempotency key on every try. */
interface Outgoing {
  key: string;
  body: { text?: string; cannedResponseId?: string; template?: Required<MessageTemplate>; clientMessageId: string };
  preview: string;
  item: HTMLLIElement;
}

/**
 * The reply box: Enter sends (Shift+Enter for a new line), each message with
 * its own idempotency key, tried again with the same key when the gateway is
 * rate limiting, unavailable or unreachable; canned responses previewed with
 * their placeholders filled; typing signals both ways. On messaging apps it
 * follows the reply window (replyWindow.ts): free text while it is open, a
 * template or nothing once it has closed.
 */
export class ReplyBox {
  readonly element: HTMLElement;
  private readonly reply = h('textarea', { id: 'desk-reply', testid: 'desk-reply', rows: 3, 'aria-describedby': 'desk-reply-hint' });
  private readonly cannedSelect = h('select', { id: 'desk-canned', testid: 'desk-canned' });
  private readonly outbox = h('ul', { className: 'outbox', 'aria-label': 'Messages being sent' });
  private readonly typingNote = h('p', { className: 'hint typing', role: 'status' });
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** When this agent last said they were typing (sent at most every few seconds). */
  private typingSentAt = 0;
  /** The canned response in the box, as previewed: sent by id (the gateway fills the placeholders with what it knows) if left unchanged. */
  private cannedInReply: { id: string; preview: string } | undefined;
  private readonly form: HTMLFormElement;
  private readonly window = new ReplyWindowPanel((template) => void this.sendTemplate(template));
  private windowTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: ReplyDeps) {
    const form = (this.form = h(
      'form',
      { className: 'reply', 'aria-label': 'Reply', onSubmit: (e: Event) => (e.preventDefault(), void this.send()) },
      h('div', { className: 'field' }, h('label', { for: 'desk-canned' }, 'Canned response'), this.cannedSelect),
      h('div', { className: 'field' }, h('label', { for: 'desk-reply' }, 'Reply to the customer'), this.reply, h('p', { id: 'desk-reply-hint', className: 'hint' }, 'Enter sends; Shift+Enter starts a new line.')),
      h('button', { type: 'submit', testid: 'desk-send', className: 'primary' }, 'Send'),
    ));
    this.reply.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.send();
      }
    });
    this.reply.addEventListener('input', () => this.sayTyping(this.reply.value.trim() !== ''));
    this.reply.addEventListener('blur', () => this.sayTyping(false));
    this.cannedSelect.addEventListener('change', () => this.pickCanned());
    this.element = h('div', { className: 'composer' }, this.typingNote, this.outbox, this.window.element, form);
    this.renderCanned();
  }

  /** Before another conversation opens: nothing typed for this one goes to the next. */
  leave(): void {
    this.sayTyping(false);
    this.outbox.replaceChildren();
    this.cannedInReply = undefined;
    this.reply.value = '';
    this.cannedSelect.value = '';
    this.typingNote.textContent = '';
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.window.clear();
    this.showWindow({});
  }

  /** What the conversation lets the agent send now; shown again when its reply window closes while open. */
  showWindow(conversation: Pick<Conversation, 'channelProvider' | 'replyWindowClosesAt'>): void {
    if (this.windowTimer) clearTimeout(this.windowTimer);
    const window = replyWindowOf(conversation);
    this.form.hidden = !this.window.show(window);
    if (window.kind === 'open') {
      // Checked again at the closing time (at most every hour: timers drift while a laptop sleeps).
      const wait = Math.min(Date.parse(window.closesAt) - Date.now() + 500, 3_600_000);
      this.windowTimer = setTimeout(() => this.showWindow(conversation), Math.max(wait, 500));
    }
  }

  focus(): void {
    this.reply.focus();
  }

  renderCanned(): void {
    const options = this.deps.canned().filter((c) => c.cannedResponseId);
    fill(
      this.cannedSelect,
      h('option', { value: '' }, options.length ? 'Insert a canned response…' : 'No canned responses'),
      ...options.map((c) => h('option', { value: c.cannedResponseId }, c.title || c.cannedResponseId)),
    );
  }

  /** Someone else in the open conversation is (no longer) typing. */
  onTyping(frame: TypingFrame): void {
    if (frame.conversationId !== this.deps.conversationId() || (frame.from.kind === 'agent' && frame.from.id === this.deps.staff.id)) return;
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingNote.textContent = frame.typing ? `${frame.from.kind === 'visitor' ? 'The customer' : `Agent ${frame.from.id}`} is typing…` : '';
    // A typing signal that is never withdrawn (the other side went away) fades on its own.
    if (frame.typing) this.typingTimer = setTimeout(() => (this.typingNote.textContent = ''), 8000);
  }

  private sayTyping(typing: boolean): void {
    const id = this.deps.conversationId();
    if (!id) return;
    const now = Date.now();
    if (typing && now - this.typingSentAt < 3000) return;
    if (!typing && this.typingSentAt === 0) return;
    this.typingSentAt = typing ? now : 0;
    this.deps.typing(id, typing);
  }

  private pickCanned(): void {
    const id = this.cannedSelect.value;
    const canned = this.deps.canned().find((c) => c.cannedResponseId === id);
    if (!canned) return;
    const versions = canned.versions ?? {};
    const text = [...this.deps.agentLanguages, 'en'].map((t) => versions[t] ?? versions[t.split('-')[0] ?? '']).find((v) => v !== undefined) ?? Object.values(versions)[0] ?? '';
    const preview = fillPlaceholders(text, {
      'agent.name': this.deps.staff.name,
      'agent.first_name': firstNameOf(this.deps.staff.name),
      'conversation.id': this.deps.conversationId(),
    });
    this.reply.value = preview;
    this.cannedInReply = { id, preview };
    this.reply.focus();
  }

  private async send(): Promise<void> {
    const conversationId = this.deps.conversationId();
    const text = this.reply.value.trim();
    if (!conversationId || !text) return;
    const key = randomId();
    const canned = this.cannedInReply && this.cannedInReply.preview.trim() === text ? this.cannedInReply.id : undefined;
    const body = canned ? { cannedResponseId: canned, clientMessageId: key } : { text, clientMessageId: key };
    this.reply.value = '';
    this.sayTyping(false);
    this.cannedInReply = undefined;
    this.cannedSelect.value = '';
    const outgoing: Outgoing = { key, body, preview: text, item: h('li', { className: 'pending' }) };
    this.outbox.append(outgoing.item);
    await this.deliver(conversationId, outgoing);
  }

  private async sendTemplate(template: Required<MessageTemplate>): Promise<void> {
    const conversationId = this.deps.conversationId();
    if (!conversationId) return;
    const key = randomId();
    const preview = `Template ${template.name} (${template.language})${template.parameters.length ? `: ${template.parameters.join(', ')}` : ''}`;
    const outgoing: Outgoing = { key, body: { template, clientMessageId: key }, preview, item: h('li', { className: 'pending' }) };
    this.outbox.append(outgoing.item);
    await this.deliver(conversationId, outgoing);
  }

  /** Sends (or sends again) with the message's own idempotency key, so that a retry never posts it twice. */
  private async deliver(conversationId: string, outgoing: Outgoing): Promise<void> {
    fill(outgoing.item, h('span', { role: 'status' }, `Sending: ${outgoing.preview}`));
    try {
      const res = await withRetries(() =>
        this.deps.client.POST('/v1/conversations/{conversationId}/messages', { params: { path: { conversationId }, header: { 'idempotency-key': outgoing.key } }, body: outgoing.body }),
      );
      outgoing.item.remove();
      if (res.messageId) {
        const template = outgoing.body.template;
        this.deps.sent(conversationId, { messageId: res.messageId, author: 'agent', authorId: this.deps.staff.id, text: template ? '' : outgoing.preview, language: undefined, revision: res.revision, postedAt: new Date().toISOString(), translations: {}, ...(template ? { template } : {}) });
      }
      this.deps.read(conversationId);
    } catch (err) {
      this.deps.banner.show(err, 'Sending the message');
      // The conversation is not as the desk showed it (the window closed meanwhile): show what it allows now.
      if (err instanceof ProblemError && err.status === 409) this.deps.refused(conversationId);
      fill(
        outgoing.item,
        h('span', {}, `Not sent: ${outgoing.preview} `),
        h('button', { type: 'button', onClick: () => void this.deliver(conversationId, outgoing) }, 'Try again'),
        ' ',
        h('button', { type: 'button', className: 'quiet', onClick: () => outgoing.item.remove() }, 'Discard'),
      );
    }
  }
}
