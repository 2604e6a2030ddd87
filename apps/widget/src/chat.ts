import { isEvent, type ContactCenterClient, type ContactCenterEvent, type RealtimeConnection, type TypingFrame } from '@contactcenter/client';
import { fill } from './i18n';
import { MessageStore } from './messageStore';
import { QueueWatch } from './queueWatch';
import { newClientId } from './retryPolicy';
import { RetryingCalls, sleep } from './retrying';
import type { SavedChat, SavedChatStore } from './savedChat';
import { surveyFrom } from './surveyDefinition';
import { SurveyFlow } from './surveyFlow';
import type { Stage, WidgetView } from './view';
import type { VisitorSessionSource } from './visitorSession';

/** An agent's typing indicator goes away on its own if their "stopped" frame is lost. */
const TYPING_SHOWN_MS = 10_000;
/** The visitor counts as having stopped typing after this long without a keystroke. */
const TYPING_IDLE_MS = 3_000;
/** How long a start waits for the socket before going ahead without it (the conversation read catches up). */
const SOCKET_WAIT_MS = 3_000;

type Outgoing = NonNullable<SavedChat['outbox']>[number];

/**
 * One visitor's chat: starts (or resumes) the conversation, follows it on the
 * real-time socket, sends messages until the gateway accepted each one, and
 * shows the queue, the agent, their typing, translations and, at the end,
 * the survey.
 *
 * Nothing is lost or shown twice across a drop or a reload: the socket
 * resumes after the last position handled (kept in sessionStorage), the
 * conversation is read again whenever the socket may have missed something,
 * messages are keyed by id, and each outgoing message keeps its client id
 * (its Idempotency-Key) until the gateway accepted it.
 */
export class Chat {
  private readonly store = new MessageStore();
  readonly calls: RetryingCalls;
  private readonly queue: QueueWatch;
  private readonly surveys: SurveyFlow;
  private conversationId: string | undefined;
  private live: RealtimeConnection | undefined;
  private stage: Stage = 'start';
  private language: string;
  /** The assigned agent: their id, for this widget's bookkeeping only (never shown), and the display name the visitor may see. */
  private agentId: string | undefined;
  private agentName: string | undefined;
  private agentTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private visitorTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private visitorTyping = false;
  private sending = false;

  constructor(
    private readonly client: ContactCenterClient,
    session: VisitorSessionSource,
    private readonly saved: SavedChatStore,
    private readonly view: WidgetView,
    language: string,
  ) {
    this.calls = new RetryingCalls(view, session, () => this.connectionText());
    this.queue = new QueueWatch(client, view, this.calls);
    this.surveys = new SurveyFlow(client, view, saved, this.calls);
    this.language = saved.get().language ?? language;
    view.setLanguage(this.language);
  }

  /** Whether a conversation is under way (no invitation then). */
  get chatting(): boolean {
    return this.conversationId !== undefined && this.stage === 'chat';
  }

  get visitorLanguage(): string {
    return this.language;
  }

  setLanguage(language: string): void {
    if (this.conversationId !== undefined) return;
    this.language = language;
    this.view.setLanguage(language);
  }

  /** After a reload: the same conversation, from where the socket got to, with the messages still unsent. */
  resume(): void {
    const s = this.saved.get();
    if (!s.conversationId) return;
    for (const o of this.outbox()) this.store.addPending(o.clientMessageId, o.text, o.language);
    this.openLive();
    void this.begin(s.conversationId);
  }

  async start(language: string): Promise<void> {
    if (this.conversationId !== undefined) return;
    this.setLanguage(language);
    this.view.setStarting(true);
    await this.socketFirst();
    // One key for every attempt: a retried start starts one conversation.
    const key = newClientId('start');
    const started = await this.calls.retrying(() => this.client.POST('/v1/visitor/conversations', { params: { header: { 'idempotency-key': key } }, body: { language: this.language, channel: 'chat' } }));
    this.view.setStarting(false);
    if (started.ok) await this.begin(started.value.conversationId);
  }

  async acceptInvitation(invitationId: string): Promise<void> {
    if (this.conversationId !== undefined) return;
    await this.socketFirst();
    const accepted = await this.calls.retrying(() =>
      this.client.POST('/v1/visitor/invitations/{invitationId}/accept', { params: { path: { invitationId }, header: { 'idempotency-key': `accept-${invitationId}` } }, body: { language: this.language } }),
    );
    if (accepted.ok && accepted.value.conversationId) await this.begin(accepted.value.conversationId);
  }

  send(text: string): void {
    if (this.stage !== 'chat' || this.conversationId === undefined) return;
    const outgoing: Outgoing = { clientMessageId: newClientId('cm'), text, language: this.language };
    this.store.addPending(outgoing.clientMessageId, text, this.language);
    this.saveOutbox([...this.outbox(), outgoing]);
    this.view.clearInput();
    this.stopVisitorTyping();
    this.render();
    void this.drain();
  }

  /** A keystroke in the composer: "typing" once, "stopped" after a pause (typing is never queued: a closed socket drops it). */
  typing(): void {
    if (!this.live || this.conversationId === undefined) return;
    if (!this.visitorTyping) this.visitorTyping = this.live.sendTyping(this.conversationId, true);
    clearTimeout(this.visitorTypingTimer);
    this.visitorTypingTimer = setTimeout(() => this.stopVisitorTyping(), TYPING_IDLE_MS);
  }

  /** Back to the start, for another conversation (the socket stays: it follows every conversation of the visitor). */
  newChat(): void {
    this.conversationId = undefined;
    this.agentId = undefined;
    this.agentName = undefined;
    this.surveys.reset();
    this.queue.stop();
    this.saved.update({ conversationId: undefined, outbox: undefined });
    for (const m of this.store.list()) this.store.remove(m.id);
    this.setStage('start');
  }

  private async begin(conversationId: string): Promise<void> {
    this.conversationId = conversationId;
    this.saved.update({ conversationId, language: this.language });
    this.setStage('chat');
    this.openLive();
    await this.refresh();
    void this.drain();
  }

  /** The conversation as the gateway has it (messages with translations, agent, status): whatever the socket missed. */
  private async refresh(): Promise<void> {
    const conversationId = this.conversationId;
    if (conversationId === undefined) return;
    const read = await this.calls.retrying(() => this.client.GET('/v1/visitor/conversations/{conversationId}', { params: { path: { conversationId } } }));
    if (conversationId !== this.conversationId) return;
    if (!read.ok) {
      // Gone, or no longer this visitor's (a new session): start afresh rather than show a dead chat.
      if (read.error.status === 404) this.newChat();
      return;
    }
    const c = read.value;
    for (const m of c.messages ?? []) this.store.posted(m);
    this.render();
    if (c.status === 'resolved' || c.status === 'closed') this.ended();
    else if (c.assignedAgentId) this.assigned(c.assignedAgentId, c.agent?.displayName);
    else this.waiting();
  }

  private socketFirst(): Promise<void> {
    this.openLive();
    return Promise.race([this.live!.ready.catch(() => undefined), sleep(SOCKET_WAIT_MS)]);
  }

  /** The socket, once: it resumes after the saved position (a reload), or starts now. */
  private openLive(): void {
    if (this.live) return;
    const after = this.saved.get().position;
    this.live = this.client.openRealtime({
      WebSocket: window.WebSocket,
      ...(after !== undefined ? { after } : {}),
      onEvent: (e) => {
        this.handle(e);
        this.saved.update({ position: e.position });
      },
      onTyping: (f) => this.onTyping(f),
      onReady: ({ position }) => this.saved.update({ position }),
      onStateChange: () => this.view.setConnection(this.connectionText()),
      onError: (err) => {
        if (!err.fatal) return;
        this.live = undefined;
        if (err.code === 'position_expired' || err.code === 'invalid_position') {
          // Too far behind to resume: start from now, and read the conversation for what came before.
          this.saved.update({ position: undefined });
          this.openLive();
          void this.refresh();
        } else {
          this.view.setNotice(err.code === 'revoked' ? this.view.words().revoked : this.view.words().refused);
        }
      },
    });
  }

  private connectionText(): string {
    const w = this.view.words();
    switch (this.live?.state) {
      case undefined:
        return '';
      case 'open':
        return w.connected;
      case 'connecting':
        return w.connecting;
      case 'reconnecting':
        return w.reconnecting;
      case 'closed':
        return w.disconnected;
    }
  }

  private handle(e: ContactCenterEvent): void {
    const conversationId = this.conversationId;
    if (conversationId === undefined || ((e.data as { conversationId?: string }).conversationId || e.subject) !== conversationId) return;
    if (isEvent(e, 'contactcenter.conversation.v1.MessagePosted')) {
      const m = e.data.message ? this.store.posted(e.data.message) : undefined;
      if (m?.author === 'agent') this.view.showTyping(undefined);
      if (m?.clientMessageId) this.dropFromOutbox(m.clientMessageId);
    } else if (isEvent(e, 'contactcenter.conversation.v1.MessageTranslated')) {
      if (e.data.messageId && e.data.targetLanguage && e.data.text) this.store.translated(e.data.messageId, e.data.targetLanguage, e.data.text);
    } else if (isEvent(e, 'contactcenter.conversation.v1.AgentAssigned')) {
      if (e.data.agentId) void this.agentJoined(conversationId, e.data.agentId);
    } else if (isEvent(e, 'contactcenter.conversation.v1.ConversationTransferred')) {
      if (e.data.toAgentId) void this.agentJoined(conversationId, e.data.toAgentId);
      else this.waiting();
    } else if (isEvent(e, 'contactcenter.conversation.v1.ConversationQueued')) {
      if (this.agentId === undefined) this.waiting();
    } else if (isEvent(e, 'contactcenter.conversation.v1.ConversationResolved')) {
      this.ended();
    } else if (isEvent(e, 'contactcenter.conversation.v1.ConversationReopened')) {
      this.setStage('chat');
      if (this.agentId === undefined) this.waiting();
    } else if (isEvent(e, 'contactcenter.conversation.v1.SurveyRequested')) {
      this.surveys.show(conversationId, surveyFrom(e.data));
    }
    this.render();
  }

  private onTyping(f: TypingFrame): void {
    if (f.conversationId !== this.conversationId || f.from.kind !== 'agent') return;
    clearTimeout(this.agentTypingTimer);
    this.view.showTyping(f.typing ? (this.agentName ?? this.view.words().agent) : undefined);
    if (f.typing) this.agentTypingTimer = setTimeout(() => this.view.showTyping(undefined), TYPING_SHOWN_MS);
  }

  private stopVisitorTyping(): void {
    clearTimeout(this.visitorTypingTimer);
    if (this.visitorTyping && this.live && this.conversationId !== undefined) this.live.sendTyping(this.conversationId, false);
    this.visitorTyping = false;
  }

  /**
   * An agent took the conversation (assigned, or transferred to them). The
   * event names the agent only by id, which is staff data: the name the
   * visitor may see comes with their own conversation, read now.
   */
  private async agentJoined(conversationId: string, agentId: string): Promise<void> {
    this.agentId = agentId;
    this.agentName = undefined;
    this.queue.stop();
    const read = await this.calls.retrying(() => this.client.GET('/v1/visitor/conversations/{conversationId}', { params: { path: { conversationId } } }));
    // Another agent, a transfer to a team or another conversation since: the newer news wins.
    if (conversationId !== this.conversationId || agentId !== this.agentId) return;
    const displayName = read.ok && read.value.assignedAgentId === agentId ? read.value.agent?.displayName : undefined;
    this.assigned(agentId, displayName);
  }

  /** Shows the agent by their display name, or in neutral words when there is none: never by their id. */
  private assigned(agentId: string, displayName: string | undefined): void {
    this.agentId = agentId;
    this.agentName = displayName?.trim() || undefined;
    this.queue.stop();
    if (this.stage !== 'chat') return;
    const w = this.view.words();
    this.view.setQueueStatus(this.agentName !== undefined ? fill(w.assigned, { name: this.agentName }) : w.assignedUnnamed);
  }

  private waiting(): void {
    this.agentId = undefined;
    this.agentName = undefined;
    if (this.stage === 'chat' && this.conversationId !== undefined) this.queue.watch(this.conversationId);
  }

  private ended(): void {
    this.queue.stop();
    this.stopVisitorTyping();
    this.setStage('ended');
    this.view.setQueueStatus(this.view.words().resolved);
    // The survey request may have come before the socket was live, or may come in a moment: the list is the sure way.
    if (this.conversationId !== undefined) void this.surveys.find(this.conversationId, () => this.conversationId);
  }

  /** Sends the outbox in order, each message with its own key until the gateway accepted it (or refused it for good). */
  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      for (let o = this.outbox()[0]; o && this.conversationId !== undefined; o = this.outbox()[0]) {
        const conversationId = this.conversationId;
        const { clientMessageId, text, language } = o;
        const res = await this.calls.retrying(() =>
          this.client.POST('/v1/visitor/conversations/{conversationId}/messages', {
            params: { path: { conversationId }, header: { 'idempotency-key': clientMessageId } },
            body: { text, clientMessageId, language },
          }),
        );
        if (res.ok) this.store.accepted(clientMessageId, res.value.messageId, res.value.revision);
        else this.store.failed(clientMessageId);
        this.dropFromOutbox(clientMessageId);
        this.render();
      }
    } finally {
      this.sending = false;
    }
  }

  private outbox(): Outgoing[] {
    return this.saved.get().outbox ?? [];
  }

  private saveOutbox(outbox: Outgoing[]): void {
    this.saved.update({ outbox: outbox.length > 0 ? outbox : undefined });
  }

  private dropFromOutbox(clientMessageId: string): void {
    const outbox = this.outbox();
    if (outbox.some((o) => o.clientMessageId === clientMessageId)) this.saveOutbox(outbox.filter((o) => o.clientMessageId !== clientMessageId));
  }

  private setStage(stage: Stage): void {
    this.stage = stage;
    this.view.setStage(stage);
  }

  private render(): void {
    this.view.renderMessages(this.store.list());
  }
}
