import { createClient, isEvent, type ContactCenterClient, type ContactCenterEvent, type RealtimeConnection, type RealtimeError, type RealtimeState } from '@contactcenter/client';
import { ConversationsView } from './conversations';
import { fill, h } from './dom';
import { isSupervisor, type Staff } from './jwt';
import { messageOf } from './messageLog';
import { OffersView } from './offers';
import { OtherRegions } from './otherRegions';
import { PresenceControl } from './presence';
import { ProblemBanner } from './problems';
import { StaffStore } from './sessionStore';
import { SupervisorView } from './supervisor';
import { ThreadView } from './thread';
import type { CannedResponse, Conversation } from './types';
import { fromList, markRead, onMessage, unreadOf, type UnreadBook } from './unread';

/** Lowercase on purpose: read as a status word beside the agent's name ("live", "reconnecting…"). */
const OFFERS_POLL_MS = 15_000;
const CONNECTION_TEXT: Record<RealtimeState, string> = { connecting: 'connecting…', open: 'live', reconnecting: 'reconnecting…', closed: 'disconnected' };

/**
 * The agent desk, signed in: header (status, connection), offers, the
 * agent's conversations, the open conversation, and for supervisors the
 * supervision views. REST through the typed client; one real-time socket
 * that resumes after the last position this tab kept.
 */
export class Desk {
  private readonly client: ContactCenterClient;
  private readonly store: StaffStore;
  private readonly banner = new ProblemBanner(() => this.leave());
  private readonly connection = h('p', { testid: 'desk-connection', role: 'status', className: 'connection', 'data-state': 'connecting' }, h('span', { className: 'visually-hidden' }, 'Connection: '), CONNECTION_TEXT.connecting);
  private readonly offers: OffersView;
  private readonly list: ConversationsView;
  private readonly thread: ThreadView;
  /** Staff with the agent role take work: status, heartbeat, offers, their conversations (a supervisor or admin who takes no chats has none). */
  private readonly takesWork: boolean;
  private readonly presence: PresenceControl | undefined;
  private readonly supervisor: SupervisorView | undefined;
  private live: RealtimeConnection | undefined;
  private mine = new Map<string, Conversation & { homeRegion?: string }>();
  /** Multi-region: the agent's conversations of other regions, which the live feed does not carry (polled instead). */
  private readonly otherRegions: OtherRegions;
  private unread: UnreadBook;
  private canned: CannedResponse[] = [];
  private listTimer: ReturnType<typeof setTimeout> | undefined;
  private offersTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly staff: Staff,
    token: string,
    private readonly signOut: () => void,
  ) {
    this.client = createClient({ baseUrl: location.origin, token });
    this.store = new StaffStore(`desk.${staff.tenantId}.${staff.id}`);
    this.unread = this.store.unread;
    const supervisor = isSupervisor(staff);
    this.takesWork = staff.roles.includes('agent');
    this.presence = !this.takesWork ? undefined : new PresenceControl({ client: this.client, banner: this.banner, connectionId: this.store.connectionId, onPresence: (p) => this.supervisor?.presence(p) });
    this.offers = new OffersView({ accept: (id) => this.accept(id), decline: (id) => this.decline(id) });
    this.list = new ConversationsView((id) => void this.open(id, true));
    this.otherRegions = new OtherRegions({
      reloadList: () => this.loadMine(),
      openConversation: () => (this.thread.conversationId ? { conversationId: this.thread.conversationId, homeRegion: this.mine.get(this.thread.conversationId)?.homeRegion } : undefined),
      refreshOpenConversation: () => this.thread.refresh(),
    });
    this.supervisor = supervisor
      ? new SupervisorView({ client: this.client, banner: this.banner, admin: staff.roles.includes('admin'), openConversation: (id) => void this.open(id, false) })
      : undefined;
    this.thread = new ThreadView({
      client: this.client,
      staff,
      banner: this.banner,
      agentLanguages: [...new Set([...(navigator.languages ?? []), navigator.language].filter(Boolean))],
      canned: () => this.canned,
      targets: () => ({
        agents: (this.supervisor?.agentProfiles ?? []).filter((a) => a.agentId).map((a) => ({ id: a.agentId!, label: a.displayName || a.agentId! })),
        teams: (this.supervisor?.teams ?? []).filter((t) => t.teamId).map((t) => ({ id: t.teamId!, label: t.name || t.teamId! })),
      }),
      openConversation: (id) => void this.open(id, true),
      changed: () => this.refreshListSoon(),
      read: (id) => this.markRead(id),
      typing: (id, typing) => this.live?.sendTyping(id, typing) ?? false,
      supervisor,
    });
  }

  start(): void {
    const who = this.staff.name ? `${this.staff.name} (${this.staff.id})` : this.staff.id;
    const nav = h(
      'nav',
      { 'aria-label': 'Desk sections' },
      h(
        'ul',
        {},
        this.takesWork ? h('li', {}, h('a', { href: '#work' }, 'My work')) : null,
        h('li', {}, h('a', { href: '#thread' }, 'Open conversation')),
        this.supervisor ? h('li', {}, h('a', { href: '#supervisor' }, 'Supervision')) : null,
      ),
    );
    const header = h(
      'header',
      { className: 'top' },
      h('h1', {}, 'Agent desk'),
      h('p', { className: 'who' }, `Signed in as ${who} · ${this.staff.roles.join(', ') || 'no role'} · tenant ${this.staff.tenantId}`),
      this.presence?.element,
      this.connection,
      h('button', { type: 'button', className: 'quiet', onClick: () => this.leave() }, 'Sign out'),
    );
    const work = this.takesWork
      ? h('div', { className: 'work', id: 'work' }, h('div', { className: 'queue-column' }, this.offers.element, this.list.element), this.thread.element)
      : h('div', { className: 'work no-queue', id: 'work' }, this.thread.element);
    const main = h('main', { id: 'main', tabindex: -1 }, this.banner.element, work, this.supervisor?.element);
    fill(this.root, h('a', { href: '#main', className: 'skip' }, 'Skip to the desk'), header, nav, main);

    this.presence?.start();
    // Offer events come on the socket; this catches one whose event a fresh socket (no position yet) came too late for.
    if (this.takesWork) this.offersTimer = setInterval(() => void this.loadOffers(), OFFERS_POLL_MS);
    this.connect();
    const open = this.store.openConversation;
    // The conversation open before a reload, once the list says whether it is still the agent's.
    void this.loadWork().then(() => (open ? this.open(open, false) : undefined));
    void this.loadCanned();
    this.supervisor?.start();
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.thread.conversationId) this.markRead(this.thread.conversationId);
    });
  }

  private connect(): void {
    const scope = this.supervisor ? 'tenant' : 'mine';
    this.live = this.client.openRealtime({
      WebSocket: window.WebSocket,
      scope,
      after: this.store.position,
      onEvent: (e) => this.onEvent(e),
      onReady: ({ resumed }) => {
        // What happened while the socket was down came with the resume; lists are read again for anything older.
        if (resumed) void this.loadWork();
        this.supervisor?.reload();
        if (this.thread.conversationId && this.needsSubscription(this.thread.conversationId)) this.live?.subscribe({ conversations: [this.thread.conversationId] });
      },
      onStateChange: (state, error) => this.showConnection(state, error),
      onTyping: (frame) => this.thread.onTyping(frame),
      onError: (error) => {
        if (error.fatal) this.onFatal(error);
      },
    });
  }

  private showConnection(state: RealtimeState, error?: RealtimeError): void {
    this.connection.dataset.state = state;
    fill(this.connection, h('span', { className: 'visually-hidden' }, 'Connection: '), CONNECTION_TEXT[state]);
    if (state === 'reconnecting' && error) this.connection.title = error.message;
    else this.connection.removeAttribute('title');
  }

  /** The position is gone (too old) or the token refused: start over from now, or sign in again. */
  private onFatal(error: RealtimeError): void {
    if (error.code === 'position_expired' || error.code === 'invalid_position') {
      this.store.position = undefined;
      this.connect();
      void this.loadWork();
      return;
    }
    this.banner.show(error, 'The live connection stopped');
  }

  private onEvent(e: ContactCenterEvent): void {
    const position = this.live?.position;
    if (position !== undefined) this.store.position = position;
    const data = e.data as { conversationId?: string };
    const conversationId = data.conversationId ?? e.subject;
    if (isEvent(e, 'contactcenter.routing.v1.OfferMade')) {
      if (e.data.agentIds.includes(this.staff.id)) this.offers.add({ conversationId: e.data.conversationId, queueId: e.data.queueId, expiresAt: e.data.expiresAt });
    } else if (isEvent(e, 'contactcenter.routing.v1.OfferDeclined')) {
      if (e.data.agentId === this.staff.id) this.offers.remove(e.data.conversationId);
    } else if (isEvent(e, 'contactcenter.routing.v1.OfferExpired')) {
      this.offers.remove(e.data.conversationId);
    } else if (isEvent(e, 'contactcenter.conversation.v1.AgentAssigned')) {
      this.offers.remove(conversationId);
      // Also another region's assignment to this agent (follow-the-sun: the frame names that `region`), live rather than at the next poll.
      if (e.data.agentId === this.staff.id || this.mine.has(conversationId)) this.refreshListSoon();
    } else if (isEvent(e, 'contactcenter.conversation.v1.ConversationTransferred') || isEvent(e, 'contactcenter.conversation.v1.ConversationQueued')) {
      if (this.mine.has(conversationId) || e.data.conversationId === this.thread.conversationId) this.refreshListSoon();
    } else if (isEvent(e, 'contactcenter.conversation.v1.MessagePosted')) {
      this.onMessage(conversationId, e);
    } else if (this.mine.has(conversationId)) {
      this.patchMine(conversationId, e);
    }
    this.thread.onEvent(e);
    this.supervisor?.onEvent(e);
  }

  private onMessage(conversationId: string, e: ContactCenterEvent & { type: 'contactcenter.conversation.v1.MessagePosted' }): void {
    const known = this.mine.get(conversationId);
    if (!known && e.data.assignedAgentId !== this.staff.id) return;
    const message = e.data.message && messageOf(e.data.message);
    if (!message) return;
    const open = this.thread.conversationId === conversationId && document.visibilityState === 'visible';
    this.unread = onMessage(this.unread, conversationId, message.revision, { mine: message.author === 'agent' && message.authorId === this.staff.id, open });
    this.store.unread = this.unread;
    if (known) {
      const messages = [...(known.messages ?? []).filter((m) => m.messageId !== message.messageId), { messageId: message.messageId, text: message.text, authorKind: message.author, authorId: message.authorId }];
      this.mine.set(conversationId, { ...known, messages: messages.slice(-3), updatedAt: e.data.occurredAt ?? new Date().toISOString() });
      this.renderList();
    } else this.refreshListSoon();
  }

  /** Status, tags, priority, ticket of a conversation in the list, from its events. */
  private patchMine(conversationId: string, e: ContactCenterEvent): void {
    const c = this.mine.get(conversationId)!;
    const d = e.data as { priority?: string; ticketStatus?: string; added?: string[]; removed?: string[] };
    let next: Conversation | undefined;
    if (isEvent(e, 'contactcenter.conversation.v1.ConversationResolved')) next = { ...c, status: 'resolved' };
    else if (isEvent(e, 'contactcenter.conversation.v1.ConversationReopened')) return this.refreshListSoon();
    else if (isEvent(e, 'contactcenter.conversation.v1.PriorityChanged')) next = { ...c, priority: (d.priority ?? '').replace('PRIORITY_', '').toLowerCase() };
    else if (isEvent(e, 'contactcenter.conversation.v1.ConvertedToTicket') || isEvent(e, 'contactcenter.conversation.v1.TicketStatusChanged')) next = { ...c, ticketStatus: (d.ticketStatus ?? '').replace('TICKET_STATUS_', '').toLowerCase() };
    else if (isEvent(e, 'contactcenter.conversation.v1.ConversationTagged')) next = { ...c, tags: [...new Set([...(c.tags ?? []).filter((t) => !(d.removed ?? []).includes(t)), ...(d.added ?? [])])] };
    if (next) {
      this.mine.set(conversationId, next);
      this.renderList();
    }
  }

  /** Offers and the agent's conversations, as the gateway lists them now. */
  private async loadWork(): Promise<void> {
    if (!this.takesWork) return;
    await Promise.all([this.loadOffers(), this.loadMine()]);
  }

  private async loadOffers(): Promise<void> {
    try {
      const res = await this.client.GET('/v1/agents/me/offers');
      this.offers.replace((res.offers ?? []).filter((o) => o.conversationId).map((o) => ({ ...o, conversationId: o.conversationId! })));
    } catch (err) {
      this.banner.show(err, 'Loading your offers');
    }
  }

  private async loadMine(): Promise<void> {
    try {
      const res = await this.client.GET('/v1/agents/me/conversations');
      this.otherRegions.listed(res);
      const next = new Map<string, Conversation & { homeRegion?: string }>();
      for (const c of res.conversations ?? []) {
        if (!c.conversationId) continue;
        next.set(c.conversationId, c);
        this.unread = fromList(this.unread, c.conversationId, c.revision ?? 0, c.messageCount ?? c.messages?.length ?? 0);
      }
      this.mine = next;
      if (this.thread.conversationId && document.visibilityState === 'visible') this.unread = markRead(this.unread, this.thread.conversationId);
      this.store.unread = this.unread;
      this.renderList();
    } catch (err) {
      this.banner.show(err, 'Loading your conversations');
    }
  }

  /**
   * A conversation the socket follows only when asked: another region's (the socket carries its events
   * only for conversations named to it), or one of this region that is not the agent's own (from a timeline).
   */
  private needsSubscription(conversationId: string): boolean {
    return this.otherRegions.misses(conversationId) || (!this.supervisor && !this.mine.has(conversationId));
  }

  private refreshListSoon(): void {
    if (this.listTimer) return;
    this.listTimer = setTimeout(() => {
      this.listTimer = undefined;
      void this.loadMine();
    }, 300);
  }

  private renderList(): void {
    this.list.render([...this.mine.values()], (id) => unreadOf(this.unread, id), this.thread.conversationId, this.otherRegions.missing);
  }

  private async loadCanned(): Promise<void> {
    try {
      const res = (await this.client.GET('/v1/canned-responses')) as { cannedResponses?: CannedResponse[] } | undefined;
      this.canned = res?.cannedResponses ?? [];
      this.thread.renderCanned();
    } catch (err) {
      this.banner.show(err, 'Loading canned responses');
    }
  }

  private async accept(conversationId: string): Promise<void> {
    try {
      await this.client.POST('/v1/offers/{conversationId}/accept', { params: { path: { conversationId } } });
      this.offers.remove(conversationId);
      await this.loadMine();
      await this.open(conversationId, true);
    } catch (err) {
      this.banner.show(err, 'Accepting the offer');
      void this.loadOffers();
    }
  }

  private async decline(conversationId: string): Promise<void> {
    try {
      await this.client.POST('/v1/offers/{conversationId}/decline', { params: { path: { conversationId } } });
      this.offers.remove(conversationId);
    } catch (err) {
      this.banner.show(err, 'Declining the offer');
      void this.loadOffers();
    }
  }

  private async open(conversationId: string, focus: boolean): Promise<void> {
    const previous = this.thread.conversationId;
    this.store.openConversation = conversationId;
    // A conversation that is not the agent's own (from a timeline) is followed while open.
    if (previous && previous !== conversationId && this.needsSubscription(previous)) this.live?.unsubscribe({ conversations: [previous] });
    if (this.needsSubscription(conversationId)) this.live?.subscribe({ conversations: [conversationId] });
    await this.thread.open(conversationId);
    this.markRead(conversationId);
    if (focus) this.thread.focusReply();
  }

  private markRead(conversationId: string): void {
    const next = markRead(this.unread, conversationId);
    if (next !== this.unread) {
      this.unread = next;
      this.store.unread = next;
    }
    this.renderList();
  }

  private leave(): void {
    this.presence?.stop();
    if (this.offersTimer) clearInterval(this.offersTimer);
    this.otherRegions.stop();
    this.live?.close();
    this.signOut();
  }
}
