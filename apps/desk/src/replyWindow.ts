import { h, timeOf } from './dom';
import type { ReplyWindow } from './channelText';
import type { MessageTemplate } from './types';

/**
 * What the reply box says about a messaging app's reply window, and the
 * form for what may still go once it has closed: before it closes, when it
 * closes; on WhatsApp after it, that the 24-hour window is closed and an
 * approved template (name, language, parameters) is the only message
 * allowed; on Messenger and Instagram after it, that replies wait until the
 * customer writes again.
 */
export class ReplyWindowPanel {
  readonly element: HTMLElement;
  private readonly notice = h('p', { testid: 'desk-reply-window', className: 'reply-window', hidden: true });
  private readonly name = h('input', { id: 'desk-template-name', testid: 'desk-template-name', type: 'text', required: true, maxlength: 512, autocomplete: 'off' });
  private readonly language = h('input', { id: 'desk-template-language', testid: 'desk-template-language', type: 'text', required: true, minlength: 2, maxlength: 16, value: 'en', autocomplete: 'off' });
  private readonly parameters = h('textarea', { id: 'desk-template-parameters', testid: 'desk-template-parameters', rows: 3, 'aria-describedby': 'desk-template-parameters-hint' });
  private readonly form: HTMLFormElement;

  constructor(private readonly send: (template: Required<MessageTemplate>) => void) {
    this.form = h(
      'form',
      { testid: 'desk-template', className: 'reply template', 'aria-labelledby': 'desk-template-title', hidden: true, onSubmit: (e: Event) => (e.preventDefault(), this.submit()) },
      h('h3', { id: 'desk-template-title' }, 'Send an approved template'),
      h('div', { className: 'field' }, h('label', { for: 'desk-template-name' }, 'Template name'), this.name),
      h('div', { className: 'field' }, h('label', { for: 'desk-template-language' }, 'Template language'), this.language),
      h(
        'div',
        { className: 'field' },
        h('label', { for: 'desk-template-parameters' }, 'Parameters'),
        this.parameters,
        h('p', { id: 'desk-template-parameters-hint', className: 'hint' }, 'One per line, in order: the first fills {{1}}, the next {{2}}, …'),
      ),
      h('button', { type: 'submit', testid: 'desk-template-send', className: 'primary' }, 'Send template'),
    );
    this.element = h('div', { className: 'reply-window-panel' }, this.notice, this.form);
  }

  /** Shows what `window` allows; true when free text may be sent. */
  show(window: ReplyWindow): boolean {
    this.notice.hidden = window.kind === 'free';
    this.notice.dataset.state = window.kind;
    this.form.hidden = window.kind !== 'template';
    if (window.kind === 'open') this.notice.textContent = `You can reply freely until ${timeOf(window.closesAt)}; after that the customer must write first.`;
    else if (window.kind === 'template') this.notice.textContent = `The 24-hour window closed at ${timeOf(window.closedAt)}: WhatsApp takes only an approved template until the customer writes again.`;
    else if (window.kind === 'closed') this.notice.textContent = `Replies are closed since ${timeOf(window.closedAt)} until the customer writes again.`;
    else this.notice.textContent = '';
    return window.kind === 'free' || window.kind === 'open';
  }

  clear(): void {
    this.name.value = '';
    this.language.value = 'en';
    this.parameters.value = '';
  }

  private submit(): void {
    const name = this.name.value.trim();
    const language = this.language.value.trim();
    if (!name || !language) return;
    const parameters = this.parameters.value.split('\n').map((p) => p.trim()).filter(Boolean);
    this.send({ name, language, parameters });
    this.clear();
  }
}
