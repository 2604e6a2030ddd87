import type { ContactCenterClient } from '@contactcenter/client';
import { fill, h } from './dom';
import { randomId } from './sessionStore';

/** The link routes are newer than the typed client's paths: called through the same client (token, problem JSON), untyped. */
type UntypedPost = (path: string, init: { params: { path: Record<string, string>; header: Record<string, string> }; body: object }) => Promise<unknown>;

export interface IdentityDeps {
  client: ContactCenterClient;
  /** Runs an action with the details panel's status line and problem banner; its result is the status to show. */
  act(doing: string, run: () => Promise<string | void>): Promise<void>;
  /** An identity was linked or unlinked: the timeline (and with it this list) is read again. */
  linked(): void;
}

/**
 * The customer's other identities (an e-mail sender, a WhatsApp number, a
 * verified visitor) as their timeline lists them, each with "Unlink" (a
 * reason is required, for the audit), and "Link another identity" when the
 * agent judges that someone else is the same person.
 */
export class IdentityLinks {
  readonly element: HTMLElement;
  private conversationId: string | undefined;
  private customerId: string | undefined;
  /** Each linked identity's row, kept across refreshes so that an unlink form being filled in is not thrown away. */
  private readonly items = new Map<string, HTMLLIElement>();
  private shownFor: string | undefined;
  private readonly list = h('ul', { testid: 'desk-identities', className: 'identities', 'aria-label': 'Linked identities' });
  private readonly linkId = h('input', { id: 'desk-link-customer', testid: 'desk-link-customer', type: 'text', required: true, autocomplete: 'off', maxlength: 256, 'aria-describedby': 'desk-link-hint' });
  private readonly linkReason = h('input', { id: 'desk-link-reason', testid: 'desk-link-reason', type: 'text', maxlength: 1000, autocomplete: 'off' });

  constructor(private readonly deps: IdentityDeps) {
    const link = h(
      'form',
      { testid: 'desk-link', onSubmit: (e: Event) => (e.preventDefault(), void this.deps.act('Linking the identity', () => this.link())) },
      h('h4', {}, 'Link another identity'),
      h('div', { className: 'field' }, h('label', { for: 'desk-link-customer' }, 'Customer id'), this.linkId, h('p', { id: 'desk-link-hint', className: 'hint' }, 'e.g. email:ken@example.com')),
      h('div', { className: 'field' }, h('label', { for: 'desk-link-reason' }, 'Why they are the same person'), this.linkReason),
      h('button', { type: 'submit', testid: 'desk-link-submit' }, 'Link'),
    );
    this.element = h('section', { className: 'panel', 'aria-labelledby': 'identities-title' }, h('h3', { id: 'identities-title' }, 'Identities'), this.list, link);
  }

  reset(conversationId: string): void {
    this.conversationId = conversationId;
    this.customerId = undefined;
    this.linkId.value = '';
    this.linkReason.value = '';
    this.items.clear();
    this.shownFor = undefined;
    this.list.replaceChildren();
  }

  /** Every identity found to be this customer (the timeline's `customerIds`); the conversation's own is not offered for unlinking. */
  show(customerId: string, customerIds: readonly string[]): void {
    this.customerId = customerId;
    const others = customerIds.filter((id) => id !== customerId);
    for (const id of [...this.items.keys()]) if (!others.includes(id)) this.items.delete(id);
    const rows = others.map((id) => {
      const row = this.items.get(id) ?? this.itemOf(id);
      this.items.set(id, row);
      return row;
    });
    // Unchanged: leave the DOM alone, so that focus and a half-typed reason stay where they are.
    const shown = [...this.list.children].slice(1);
    if (this.shownFor === customerId && shown.length === rows.length && rows.every((row, i) => shown[i] === row)) return;
    this.shownFor = customerId;
    fill(this.list, h('li', {}, h('span', { className: 'identity' }, customerId), h('span', { className: 'hint' }, ' (this conversation)')), ...rows);
  }

  private itemOf(id: string): HTMLLIElement {
    const item = h('li', { testid: 'desk-identity', 'data-customer-id': id });
    const formId = `desk-unlink-${randomId()}`;
    const reason = h('input', { id: `${formId}-reason`, testid: 'desk-unlink-reason', type: 'text', required: true, maxlength: 1000, autocomplete: 'off' });
    const form = h(
      'form',
      { id: formId, hidden: true, onSubmit: (e: Event) => (e.preventDefault(), void this.deps.act('Unlinking the identity', () => this.unlink(id, reason.value))) },
      h('div', { className: 'field' }, h('label', { for: `${formId}-reason` }, `Why ${id} is not this customer (required)`), reason),
      h('div', { className: 'buttons' }, h('button', { type: 'submit', testid: 'desk-unlink-submit' }, 'Unlink'), h('button', { type: 'button', className: 'quiet', onClick: () => ((form.hidden = true), toggle.focus()) }, 'Cancel')),
    );
    const toggle = h(
      'button',
      { type: 'button', testid: 'desk-unlink', className: 'quiet', 'aria-controls': formId, 'aria-label': `Unlink ${id}`, onClick: () => ((form.hidden = false), reason.focus()) },
      'Unlink',
    );
    fill(item, h('span', { className: 'identity' }, id), ' ', toggle, form);
    return item;
  }

  private post(suffix: string, body: object): Promise<unknown> {
    const post = this.deps.client.POST as unknown as UntypedPost;
    return post(`/v1/conversations/{conversationId}/identities${suffix}`, { params: { path: { conversationId: this.conversationId! }, header: { 'idempotency-key': randomId() } }, body });
  }

  private async link(): Promise<string | void> {
    const customerId = this.linkId.value.trim();
    if (!customerId || !this.conversationId) return;
    if (customerId === this.customerId) throw new Error('that is this conversation\'s own customer');
    const reason = this.linkReason.value.trim();
    await this.post('', { customerId, method: 'agent', ...(reason ? { reason } : {}) });
    this.linkId.value = '';
    this.linkReason.value = '';
    this.deps.linked();
    return `Linked ${customerId}.`;
  }

  private async unlink(customerId: string, reasonText: string): Promise<string | void> {
    const reason = reasonText.trim();
    if (!reason) throw new Error('say why the identities are not the same customer');
    await this.post('/unlink', { customerId, reason });
    this.deps.linked();
    return `Unlinked ${customerId}.`;
  }
}
