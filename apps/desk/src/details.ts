import { isEvent, type ContactCenterClient, type ContactCenterEvent } from '@contactcenter/client';
import { fill, h, timeOf } from './dom';
import { HistoryPanel } from './history';
import { IdentityLinks } from './identities';
import type { Staff } from './jwt';
import { withRetries, type ProblemBanner } from './problems';
import { randomId } from './sessionStore';
import { TimelinePanel } from './timeline';
import type { Conversation } from './types';

export interface DetailsDeps {
  client: ContactCenterClient;
  staff: Staff;
  banner: ProblemBanner;
  supervisor: boolean;
  targets(): { agents: { id: string; label: string }[]; teams: { id: string; label: string }[] };
  openConversation(conversationId: string): void;
  changed(conversationId: string): void;
  /** The conversation again from the gateway. */
  refresh(): void;
  /** A change the desk knows before its event arrives. */
  patch(patch: Partial<Conversation>): void;
}

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
type PriorityName = (typeof PRIORITIES)[number];
const TAG = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;
/** `PRIORITY_HIGH` → `high`: events carry proto enum names, REST the short ones. */
const restName = (value: string | undefined, prefix: string) => (value ?? '').replace(prefix, '').toLowerCase();

interface Note {
  noteId: string;
  agentId: string;
  text: string;
  addedAt: string | undefined;
}

/**
 * What the agent does to a conversation besides replying: internal notes,
 * tags, priority, transfer, resolve, reopen, ticket; and what they read
 * about it: the customer's timeline, their linked identities (link another,
 * unlink with a reason) and (supervisors) its full history.
 */
export class ConversationDetails {
  readonly element: HTMLElement;
  private conversationId: string | undefined;
  private tags: string[] = [];
  private notes = new Map<string, Note>();
  private readonly notesList = h('ul', { className: 'notes', 'aria-label': 'Internal notes' });
  private readonly noteInput = h('textarea', { id: 'desk-note', testid: 'desk-note', rows: 2 });
  private readonly tagList = h('ul', { className: 'tags', 'aria-label': 'Tags' });
  private readonly tagInput = h('input', { id: 'desk-tags', testid: 'desk-tags', type: 'text', autocomplete: 'off', 'aria-describedby': 'desk-tags-hint' });
  private readonly priority = h('select', { id: 'desk-priority', testid: 'desk-priority' }, ...PRIORITIES.map((p) => h('option', { value: p }, p)));
  private readonly transferKind = h('select', { id: 'desk-transfer-kind', testid: 'desk-transfer-kind' }, h('option', { value: 'agent' }, 'Agent'), h('option', { value: 'team' }, 'Team'));
  private readonly transferTarget = h('input', { id: 'desk-transfer-target', testid: 'desk-transfer-target', type: 'text', list: 'desk-transfer-targets', autocomplete: 'off', required: true });
  private readonly transferTargets = h('datalist', { id: 'desk-transfer-targets' });
  private readonly transferReason = h('input', { id: 'desk-transfer-reason', testid: 'desk-transfer-reason', type: 'text', maxlength: 500 });
  private readonly resolveButton = h('button', { type: 'button', testid: 'desk-resolve', onClick: () => void this.act('Resolving', () => this.resolve()) }, 'Resolve');
  private readonly reopenButton = h('button', { type: 'button', testid: 'desk-reopen', onClick: () => void this.act('Reopening', () => this.reopen()) }, 'Reopen');
  private readonly ticketButton = h('button', { type: 'button', testid: 'desk-ticket', onClick: () => void this.act('Converting to a ticket', () => this.ticket()) }, 'Convert to ticket');
  private readonly status = h('p', { role: 'status', className: 'action-status' });
  private readonly timeline: TimelinePanel;
  private readonly identities: IdentityLinks;
  private customerId: string | undefined;
  private readonly history: HistoryPanel | undefined;

  constructor(private readonly deps: DetailsDeps) {
    this.timeline = new TimelinePanel({ ...deps, identities: (ids) => this.customerId && this.identities.show(this.customerId, ids) });
    this.identities = new IdentityLinks({ client: deps.client, act: (doing, run) => this.act(doing, run), linked: () => this.afterLink() });
    this.history = deps.supervisor ? new HistoryPanel(deps) : undefined;
    this.priority.addEventListener('change', () => void this.act('Setting the priority', () => this.setPriority(this.priority.value as PriorityName)));
    this.tagInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        void this.act('Tagging', () => this.addTags());
      }
    });
    this.transferKind.addEventListener('change', () => this.renderTargets());
    this.transferTarget.addEventListener('focus', () => this.renderTargets());

    const actions = h(
      'section',
      { className: 'panel', 'aria-labelledby': 'actions-title' },
      h('h3', { id: 'actions-title' }, 'Actions'),
      h('div', { className: 'buttons' }, this.resolveButton, this.reopenButton, this.ticketButton),
      h('div', { className: 'field' }, h('label', { for: 'desk-priority' }, 'Priority'), this.priority),
      this.status,
    );
    const tags = h(
      'section',
      { className: 'panel', 'aria-labelledby': 'tags-title' },
      h('h3', { id: 'tags-title' }, 'Tags'),
      this.tagList,
      h(
        'div',
        { className: 'field' },
        h('label', { for: 'desk-tags' }, 'Add tags'),
        h('div', { className: 'inline' }, this.tagInput, h('button', { type: 'button', onClick: () => void this.act('Tagging', () => this.addTags()) }, 'Add')),
        h('p', { id: 'desk-tags-hint', className: 'hint' }, 'Lowercase, separated by commas or spaces; Enter adds them.'),
      ),
    );
    const transfer = h(
      'form',
      { testid: 'desk-transfer', className: 'panel', 'aria-labelledby': 'transfer-title', onSubmit: (e: Event) => (e.preventDefault(), void this.act('Transferring', () => this.transfer())) },
      h('h3', { id: 'transfer-title' }, 'Transfer'),
      h('div', { className: 'field' }, h('label', { for: 'desk-transfer-kind' }, 'Transfer to'), this.transferKind),
      h('div', { className: 'field' }, h('label', { for: 'desk-transfer-target' }, 'Agent or team id'), this.transferTarget, this.transferTargets),
      h('div', { className: 'field' }, h('label', { for: 'desk-transfer-reason' }, 'Reason'), this.transferReason),
      h('button', { type: 'submit', testid: 'desk-transfer-submit' }, 'Transfer'),
    );
    const notes = h(
      'section',
      { className: 'panel', 'aria-labelledby': 'notes-title' },
      h('h3', { id: 'notes-title' }, 'Internal notes'),
      h('p', { className: 'hint' }, 'Only staff see notes.'),
      this.notesList,
      h('div', { className: 'field' }, h('label', { for: 'desk-note' }, 'New note'), this.noteInput),
      h('button', { type: 'button', testid: 'desk-note-add', onClick: () => void this.act('Adding the note', () => this.addNote()) }, 'Add note'),
    );
    this.element = h('aside', { className: 'details', 'aria-label': 'Conversation details' }, actions, tags, transfer, notes, this.timeline.element, this.identities.element, this.history?.element);
  }

  /** Another conversation: nothing of the previous one stays. */
  reset(conversationId: string): void {
    this.conversationId = conversationId;
    this.notes.clear();
    this.notesList.replaceChildren();
    this.tags = [];
    this.tagList.replaceChildren();
    this.noteInput.value = '';
    this.tagInput.value = '';
    this.transferTarget.value = '';
    this.transferReason.value = '';
    this.status.textContent = '';
    this.timeline.reset();
    this.identities.reset(conversationId);
    this.customerId = undefined;
    this.history?.reset();
  }

  /** The conversation as it is now. */
  show(c: Conversation): void {
    this.tags = [...(c.tags ?? [])];
    this.renderTags();
    if (c.priority && (PRIORITIES as readonly string[]).includes(c.priority)) this.priority.value = c.priority;
    const resolved = c.status === 'resolved';
    this.resolveButton.disabled = resolved;
    this.reopenButton.disabled = !resolved;
    this.ticketButton.disabled = Boolean(c.ticketStatus);
  }

  /** Notes, history and the timeline: loaded once per opening, then kept live. */
  async loadCustomer(c: Conversation): Promise<void> {
    const id = c.conversationId;
    if (!id) return;
    const events = this.history ? await this.history.load(id) : await HistoryPanel.notesOnly(this.deps, id);
    if (id !== this.conversationId) return;
    for (const e of events ?? []) if (e.type.endsWith('.InternalNoteAdded')) this.addNoteFrom(e.data.note as Partial<Note> | undefined, e.occurredAt);
    this.customerId = c.customerId;
    if (c.customerId) await this.timeline.load(c.customerId, id);
  }

  /** The timeline is a projection that follows the link a moment later: read now, and once more shortly. */
  private afterLink(): void {
    void this.reloadTimeline();
    const id = this.conversationId;
    setTimeout(() => id === this.conversationId && void this.reloadTimeline(), 1500);
  }

  /** The timeline (and the identities it names) as they are now, after a link or an unlink. */
  private async reloadTimeline(): Promise<void> {
    if (this.customerId && this.conversationId) await this.timeline.load(this.customerId, this.conversationId);
  }

  onEvent(event: ContactCenterEvent): void {
    const id = this.conversationId;
    if (!id) return;
    if (isEvent(event, 'contactcenter.conversation.v1.InternalNoteAdded')) this.addNoteFrom(event.data.note, event.data.occurredAt);
    else if (isEvent(event, 'contactcenter.conversation.v1.ConversationTagged')) {
      const removed = new Set(event.data.removed ?? []);
      this.deps.patch({ tags: [...new Set([...this.tags.filter((t) => !removed.has(t)), ...(event.data.added ?? [])])] });
    } else if (isEvent(event, 'contactcenter.conversation.v1.PriorityChanged')) this.deps.patch({ priority: restName(event.data.priority, 'PRIORITY_') });
    else if (isEvent(event, 'contactcenter.conversation.v1.ConversationResolved')) this.deps.patch({ status: 'resolved' });
    else if (isEvent(event, 'contactcenter.conversation.v1.ConvertedToTicket') || isEvent(event, 'contactcenter.conversation.v1.TicketStatusChanged')) {
      this.deps.patch({ ticketStatus: restName(event.data.ticketStatus, 'TICKET_STATUS_') });
    } else if (isEvent(event, 'contactcenter.conversation.v1.ConversationReopened') || isEvent(event, 'contactcenter.conversation.v1.AgentAssigned') || isEvent(event, 'contactcenter.conversation.v1.ConversationTransferred') || isEvent(event, 'contactcenter.conversation.v1.ConversationQueued')) {
      // Status and assignment follow rules of the conversation service: read them back rather than guess.
      this.deps.refresh();
    } else if (isEvent(event, 'contactcenter.conversation.v1.CustomerIdentityLinked') || event.type === 'contactcenter.conversation.v1.CustomerIdentityUnlinked') {
      void this.reloadTimeline();
    }
    this.history?.onEvent(event);
  }

  private async act(doing: string, run: () => Promise<string | void>): Promise<void> {
    const id = this.conversationId;
    if (!id) return;
    this.status.textContent = `${doing}…`;
    try {
      const done = await run();
      if (id === this.conversationId) this.status.textContent = done ?? '';
      this.deps.changed(id);
    } catch (err) {
      if (id === this.conversationId) this.status.textContent = '';
      this.deps.banner.show(err, doing);
    }
  }

  private path() {
    return { path: { conversationId: this.conversationId! } };
  }

  private async resolve(): Promise<string> {
    await this.deps.client.POST('/v1/conversations/{conversationId}/resolve', { params: this.path() });
    this.deps.patch({ status: 'resolved' });
    return 'Resolved.';
  }

  private async reopen(): Promise<string> {
    await this.deps.client.POST('/v1/conversations/{conversationId}/reopen', { params: this.path(), body: {} });
    this.deps.refresh();
    return 'Reopened.';
  }

  private async ticket(): Promise<string> {
    await this.deps.client.POST('/v1/conversations/{conversationId}/ticket', { params: this.path(), body: { status: 'open' } });
    this.deps.patch({ ticketStatus: 'open' });
    return 'Converted to a ticket.';
  }

  private async setPriority(priority: PriorityName): Promise<string> {
    await this.deps.client.PUT('/v1/conversations/{conversationId}/priority', { params: this.path(), body: { priority } });
    this.deps.patch({ priority });
    return `Priority set to ${priority}.`;
  }

  private async addTags(): Promise<string | void> {
    const words = this.tagInput.value.split(/[\s,]+/).map((t) => t.trim().toLowerCase()).filter(Boolean);
    if (words.length === 0) return;
    const bad = words.find((t) => !TAG.test(t));
    if (bad) throw new Error(`"${bad}" is not a tag: use lowercase letters, digits and . _ : - (up to 64 characters)`);
    await this.deps.client.POST('/v1/conversations/{conversationId}/tags', { params: this.path(), body: { add: words } });
    this.tagInput.value = '';
    this.deps.patch({ tags: [...new Set([...this.tags, ...words])] });
    return `Tagged ${words.join(', ')}.`;
  }

  private async removeTag(tag: string): Promise<string> {
    await this.deps.client.POST('/v1/conversations/{conversationId}/tags', { params: this.path(), body: { remove: [tag] } });
    this.deps.patch({ tags: this.tags.filter((t) => t !== tag) });
    this.tagInput.focus();
    return `Removed the tag ${tag}.`;
  }

  private async transfer(): Promise<string> {
    const target = this.transferTarget.value.trim();
    if (!target) throw new Error('name the agent or team to transfer to');
    const reason = this.transferReason.value.trim() || undefined;
    const body = this.transferKind.value === 'team' ? { toTeamId: target, reason } : { toAgentId: target, reason };
    await this.deps.client.POST('/v1/conversations/{conversationId}/transfer', { params: this.path(), body });
    this.transferTarget.value = '';
    this.transferReason.value = '';
    return `Transferred to ${this.transferKind.value} ${target}.`;
  }

  private async addNote(): Promise<string | void> {
    const text = this.noteInput.value.trim();
    if (!text) return;
    const key = randomId();
    await withRetries(() => this.deps.client.POST('/v1/conversations/{conversationId}/notes', { params: { ...this.path(), header: { 'idempotency-key': key } }, body: { text } }));
    this.noteInput.value = '';
    return 'Note added.';
  }

  private addNoteFrom(note: { noteId?: string; agentId?: string; text?: string; addedAt?: string } | undefined, occurredAt: string | undefined): void {
    if (!note?.noteId || this.notes.has(note.noteId)) return;
    this.notes.set(note.noteId, { noteId: note.noteId, agentId: note.agentId ?? '', text: note.text ?? '', addedAt: note.addedAt ?? occurredAt });
    const sorted = [...this.notes.values()].sort((a, b) => (a.addedAt ?? '').localeCompare(b.addedAt ?? ''));
    fill(
      this.notesList,
      ...sorted.map((n) =>
        h('li', { 'data-note-id': n.noteId }, h('p', { className: 'who' }, n.agentId === this.deps.staff.id ? 'You' : n.agentId, n.addedAt ? ` · ${timeOf(n.addedAt)}` : ''), h('p', {}, n.text)),
      ),
    );
  }

  private renderTags(): void {
    fill(
      this.tagList,
      ...(this.tags.length
        ? this.tags.map((t) => h('li', { className: 'tag' }, h('span', {}, t), h('button', { type: 'button', className: 'quiet', 'aria-label': `Remove tag ${t}`, onClick: () => void this.act('Removing the tag', () => this.removeTag(t)) }, '×')))
        : [h('li', { className: 'hint' }, 'No tags')]),
    );
  }

  private renderTargets(): void {
    const { agents, teams } = this.deps.targets();
    const list = this.transferKind.value === 'team' ? teams : agents.filter((a) => a.id !== this.deps.staff.id);
    fill(this.transferTargets, ...list.map((t) => h('option', { value: t.id }, t.label)));
  }
}
