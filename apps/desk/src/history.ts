import type { ContactCenterClient, ContactCenterEvent } from '@contactcenter/client';
import { fill, h, timeOf } from './dom';
import type { ProblemBanner } from './problems';
import type { HistoryEvent } from './types';

const MAX_PAGES = 20;

/** Every event of the conversation, oldest first (the desk reads internal notes from it too). */
async function historyOf(client: ContactCenterClient, conversationId: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let from: number | undefined = 0;
  for (let page = 0; page < MAX_PAGES && from !== undefined; page++) {
    const res: { events: HistoryEvent[]; nextFromRevision?: number } = await client.GET('/v1/conversations/{conversationId}/history', { params: { path: { conversationId }, query: { fromRevision: String(from), pageSize: '500' } } });
    events.push(...res.events);
    from = res.nextFromRevision;
  }
  return events;
}

const shortType = (type: string) => type.split('.').pop() ?? type;

/** What an event says, in one line. */
function summaryOf(type: string, data: Record<string, unknown>): string {
  const d = data as Record<string, { text?: string } & Record<string, unknown>>;
  switch (shortType(type)) {
    case 'MessagePosted':
      return String(d.message?.text ?? '');
    case 'InternalNoteAdded':
      return `note: ${String(d.note?.text ?? '')}`;
    case 'MessageTranslated':
      return `→ ${String(data.targetLanguage ?? '')}: ${String(data.text ?? '')}`;
    default: {
      const fields = Object.entries(data).filter(([k, v]) => k !== 'conversationId' && k !== 'occurredAt' && v !== null && v !== '' && typeof v !== 'object');
      return fields.map(([k, v]) => `${k}: ${String(v)}`).join(', ');
    }
  }
}

/**
 * A conversation's full history for supervisors: every event with its
 * revision, time, actor and what it says, kept live while it is open.
 */
export class HistoryPanel {
  readonly element: HTMLElement;
  private readonly body = h('tbody');
  private seen = new Set<string>();
  private conversationId: string | undefined;

  constructor(private readonly deps: { client: ContactCenterClient; banner: ProblemBanner }) {
    this.element = h(
      'section',
      { className: 'panel', testid: 'desk-history', 'aria-labelledby': 'history-title' },
      h('h3', { id: 'history-title' }, 'Full history'),
      h(
        'div',
        { className: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'History events' },
        h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Event'), h('th', { scope: 'col' }, 'By'), h('th', { scope: 'col' }, 'Details'))), this.body),
      ),
    );
  }

  /** Notes need the history even where the panel is not shown. */
  static async notesOnly(deps: { client: ContactCenterClient; banner: ProblemBanner }, conversationId: string): Promise<HistoryEvent[]> {
    try {
      return await historyOf(deps.client, conversationId);
    } catch (err) {
      deps.banner.show(err, 'Loading the internal notes');
      return [];
    }
  }

  reset(): void {
    this.seen.clear();
    this.conversationId = undefined;
    fill(this.body, h('tr', {}, h('td', { colspan: 5 }, 'Loading…')));
  }

  async load(conversationId: string): Promise<HistoryEvent[]> {
    this.conversationId = conversationId;
    try {
      const events = await historyOf(this.deps.client, conversationId);
      if (conversationId !== this.conversationId) return events;
      this.body.replaceChildren();
      for (const e of events) this.add(e.eventId, e.revision, e.occurredAt ?? e.recordedAt, e.type, e.actorId, e.data);
      return events;
    } catch (err) {
      fill(this.body, h('tr', {}, h('td', { colspan: 5 }, 'The history could not be loaded.')));
      this.deps.banner.show(err, "Loading the conversation's history");
      return [];
    }
  }

  onEvent(event: ContactCenterEvent): void {
    if (!this.conversationId) return;
    const data = event.data as Record<string, unknown>;
    this.add(event.id, undefined, (data.occurredAt as string | undefined) ?? event.time, event.type, '', data);
  }

  private add(eventId: string, revision: number | undefined, at: string | undefined, type: string, actor: string, data: Record<string, unknown>): void {
    if (this.seen.has(eventId)) return;
    this.seen.add(eventId);
    this.body.append(
      h(
        'tr',
        { 'data-event-id': eventId },
        h('td', {}, revision === undefined ? '' : revision),
        h('td', {}, at ? h('time', { datetime: at }, timeOf(at)) : ''),
        h('td', {}, shortType(type)),
        h('td', {}, actor),
        h('td', {}, summaryOf(type, data)),
      ),
    );
  }
}
