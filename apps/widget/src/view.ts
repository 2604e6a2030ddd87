import { LANGUAGES } from './config';
import { h, show } from './dom';
import { fill, wordsFor, type Words } from './i18n';
import { primaryLanguage, type ChatMessage } from './messageStore';
import { STYLES } from './styles';

/** What the view asks of the chat when the visitor acts. */
export interface ViewActions {
  start(language: string): void;
  send(text: string): void;
  typing(): void;
  acceptInvitation(): void;
  dismissInvitation(): void;
  newChat(): void;
  opened(): void;
  closed(): void;
  languageChanged(language: string): void;
}

/** `off`: no chat at all (the widget is misconfigured); the notice says why. */
export type Stage = 'start' | 'chat' | 'ended' | 'off';

/**
 * The widget's DOM in an open shadow root: launcher, invitation, panel with
 * its language choice, messages, queue status, typing indicator, composer
 * and survey slot. It shows what it is told and reports what the visitor
 * does; it knows nothing of the gateway.
 */
export class WidgetView {
  readonly root: ShadowRoot;
  private text: Words;
  private language: string;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly title: HTMLElement;
  private readonly closeButton: HTMLButtonElement;
  private readonly connection: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly startBox: HTMLElement;
  private readonly intro: HTMLElement;
  private readonly languageLabel: HTMLElement;
  private readonly languageSelect: HTMLSelectElement;
  private readonly startButton: HTMLButtonElement;
  private readonly queueStatus: HTMLElement;
  private readonly messages: HTMLElement;
  private readonly typingIndicator: HTMLElement;
  private readonly composer: HTMLFormElement;
  private readonly inputLabel: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  readonly surveySlot: HTMLElement;
  private readonly endBox: HTMLElement;
  private readonly newChatButton: HTMLButtonElement;
  private readonly invitation: HTMLElement;
  private readonly invitationText: HTMLElement;
  private readonly acceptButton: HTMLButtonElement;
  private readonly dismissButton: HTMLButtonElement;
  /** Rendered messages by their local sequence (stable when a pending message gets its gateway id). */
  private readonly rendered = new Map<number, { el: HTMLElement; original: boolean }>();
  private lastMessages: ChatMessage[] = [];
  /** An informational notice (not a failure): gone at the visitor's next action. */
  private infoShown = false;

  constructor(host: HTMLElement, language: string, private readonly actions: ViewActions) {
    this.language = language;
    this.text = wordsFor(language);
    const w = this.text;
    this.root = host.attachShadow({ mode: 'open' });
    this.launcher = h('button', { type: 'button', class: 'launcher', 'data-testid': 'cc-launcher', 'aria-expanded': 'false', 'aria-controls': 'cc-panel', onclick: () => (this.isOpen() ? this.close() : this.open()) }, w.launcher);

    this.invitationText = h('p', {});
    this.acceptButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'cc-invitation-accept', onclick: () => actions.acceptInvitation() }, w.invitationAccept);
    this.dismissButton = h('button', { type: 'button', class: 'secondary', onclick: () => actions.dismissInvitation() }, w.invitationDismiss);
    this.invitation = h('div', { class: 'invitation', role: 'region', 'aria-label': w.invitation, 'data-testid': 'cc-invitation', hidden: true }, this.invitationText, h('div', { class: 'row' }, this.acceptButton, this.dismissButton));

    this.title = h('h2', { id: 'cc-title' }, w.title);
    this.connection = h('span', { class: 'connection', role: 'status', 'data-testid': 'cc-connection' });
    this.closeButton = h('button', { type: 'button', class: 'close', 'aria-label': w.close, onclick: () => this.close() }, '×');
    this.notice = h('div', { class: 'notice', role: 'alert', 'data-testid': 'cc-notice', hidden: true });

    this.languageLabel = h('label', { for: 'cc-language' }, w.language);
    this.languageSelect = h('select', { id: 'cc-language', 'data-testid': 'cc-language', onchange: () => this.languageChosen() });
    for (const l of LANGUAGES) this.languageSelect.append(h('option', { value: l.tag, lang: l.tag, selected: l.tag === language }, l.name));
    this.intro = h('p', {}, w.intro);
    this.startButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'cc-start', onclick: () => actions.start(this.languageSelect.value) }, w.start);
    this.startBox = h('div', { class: 'start' }, this.intro, this.languageLabel, this.languageSelect, this.startButton);

    this.queueStatus = h('div', { class: 'status', role: 'status', 'data-testid': 'cc-queue-status', hidden: true });
    this.messages = h('div', { class: 'messages', role: 'log', 'aria-live': 'polite', 'aria-labelledby': 'cc-title', 'data-testid': 'cc-messages', tabindex: '0' });
    this.typingIndicator = h('div', { class: 'typing', 'aria-live': 'polite', 'data-testid': 'cc-typing', hidden: true });

    this.inputLabel = h('label', { for: 'cc-input', class: 'sr' }, w.input);
    this.input = h('textarea', { id: 'cc-input', 'data-testid': 'cc-input', rows: '1', maxlength: '4000', placeholder: w.placeholder, oninput: () => actions.typing() });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.sendButton = h('button', { type: 'submit', class: 'primary', 'data-testid': 'cc-send' }, w.send);
    this.composer = h('form', { class: 'composer', hidden: true }, this.inputLabel, this.input, this.sendButton);
    this.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.surveySlot = h('div', { class: 'survey', hidden: true });
    this.newChatButton = h('button', { type: 'button', class: 'secondary', onclick: () => actions.newChat() }, w.newChat);
    this.endBox = h('div', { class: 'start', hidden: true }, this.newChatButton);

    this.panel = h(
      'section',
      { id: 'cc-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'cc-title', 'data-testid': 'cc-panel', hidden: true, lang: language },
      h('header', {}, this.title, this.connection, this.closeButton),
      this.notice,
      this.startBox,
      this.queueStatus,
      this.messages,
      this.typingIndicator,
      this.composer,
      this.surveySlot,
      this.endBox,
    );
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.close();
      }
    });
    this.invitation.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') actions.dismissInvitation();
    });
    this.root.append(h('style', {}, STYLES), this.invitation, this.panel, this.launcher);
  }

  /** The UI's words in the language it speaks now. */
  words(): Words {
    return this.text;
  }

  isOpen(): boolean {
    return !this.panel.hidden;
  }

  /** Opens the panel; `focus` false when restoring it after a reload (the page keeps its focus). */
  open(focus = true): void {
    if (this.isOpen()) return;
    show(this.panel, true);
    this.launcher.setAttribute('aria-expanded', 'true');
    show(this.invitation, false);
    const target = !this.composer.hidden ? this.input : !this.startBox.hidden ? this.languageSelect : this.closeButton;
    if (focus) target.focus();
    this.scrollToEnd();
    this.actions.opened();
  }

  /** Closes the panel; focus goes back to the launcher. */
  close(): void {
    if (!this.isOpen()) return;
    show(this.panel, false);
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.focus();
    this.actions.closed();
  }

  setStage(stage: Stage): void {
    show(this.startBox, stage === 'start');
    show(this.composer, stage === 'chat');
    show(this.endBox, stage === 'ended');
    if (stage !== 'chat') this.showTyping(undefined);
    if (stage === 'start') {
      this.messages.replaceChildren();
      this.rendered.clear();
      show(this.surveySlot, false);
      this.surveySlot.replaceChildren();
      this.setQueueStatus(undefined);
    }
    this.startButton.disabled = false;
  }

  setStarting(starting: boolean): void {
    this.startButton.disabled = starting;
  }

  /** The language the UI speaks (and the select shows). */
  setLanguage(language: string): void {
    this.language = language;
    this.languageSelect.value = language;
    this.text = wordsFor(language);
    const w = this.text;
    this.panel.lang = language;
    this.launcher.textContent = w.launcher;
    this.title.textContent = w.title;
    this.closeButton.setAttribute('aria-label', w.close);
    this.languageLabel.textContent = w.language;
    this.intro.textContent = w.intro;
    this.startButton.textContent = w.start;
    this.inputLabel.textContent = w.input;
    this.input.placeholder = w.placeholder;
    this.sendButton.textContent = w.send;
    this.newChatButton.textContent = w.newChat;
    this.acceptButton.textContent = w.invitationAccept;
    this.dismissButton.textContent = w.invitationDismiss;
    this.invitation.setAttribute('aria-label', w.invitation);
    this.renderMessages(this.lastMessages);
  }

  /** A notice in the panel (and the launcher's region): an error, or information when `info`. */
  setNotice(text: string | undefined, info = false): void {
    this.infoShown = text !== undefined && info;
    this.notice.textContent = text ?? '';
    this.notice.classList.toggle('info', info);
    show(this.notice, text !== undefined);
  }

  setConnection(text: string): void {
    this.connection.textContent = text;
  }

  setQueueStatus(text: string | undefined): void {
    this.queueStatus.textContent = text ?? '';
    show(this.queueStatus, text !== undefined);
  }

  showTyping(name: string | undefined): void {
    this.typingIndicator.textContent = name === undefined ? '' : fill(this.text.typing, { name });
    show(this.typingIndicator, name !== undefined);
  }

  showInvitation(message: string | undefined): void {
    if (message === undefined) return show(this.invitation, false);
    this.invitationText.textContent = message || this.text.invitation;
    show(this.invitation, !this.isOpen());
  }

  clearInput(): void {
    this.input.value = '';
  }

  /** Renders the messages in order, each once (keyed by its local sequence), keeping each one's original/translation choice. */
  renderMessages(messages: ChatMessage[]): void {
    this.lastMessages = messages;
    const nearEnd = this.messages.scrollHeight - this.messages.scrollTop - this.messages.clientHeight < 40;
    let previous: Element | null = null;
    for (const m of messages) {
      let entry = this.rendered.get(m.seq);
      if (!entry) {
        entry = { el: h('div', { class: 'msg', 'data-testid': 'cc-message' }), original: false };
        this.rendered.set(m.seq, entry);
      }
      this.fillMessage(entry, m);
      const expected: Element | null = previous ? previous.nextElementSibling : this.messages.firstElementChild;
      if (expected !== entry.el) {
        if (previous) previous.after(entry.el);
        else this.messages.prepend(entry.el);
      }
      previous = entry.el;
    }
    if (nearEnd) this.scrollToEnd();
  }

  private fillMessage(entry: { el: HTMLElement; original: boolean }, m: ChatMessage): void {
    const w = this.text;
    const el = entry.el;
    el.setAttribute('data-author', m.author);
    el.setAttribute('data-message-id', m.id);
    const translation = m.author === 'agent' && primaryLanguage(m.language) !== this.language ? m.translations[this.language] : undefined;
    const showingOriginal = translation === undefined || entry.original;
    const text = showingOriginal ? m.text : translation;
    const lang = showingOriginal ? primaryLanguage(m.language) || undefined : this.language;
    const who = m.author === 'visitor' ? w.you : m.author === 'agent' ? w.agent : '';
    const children: Node[] = [];
    if (who) children.push(h('span', { class: 'sr' }, `${who}: `));
    children.push(h('p', { class: 'bubble', 'data-testid': 'cc-message-text', lang }, text));
    if (translation !== undefined) {
      const toggle = h('button', { type: 'button', class: 'toggle', 'data-testid': 'cc-original-toggle', 'aria-pressed': entry.original ? 'true' : 'false' }, entry.original ? w.showTranslation : w.showOriginal);
      toggle.addEventListener('click', () => {
        entry.original = !entry.original;
        this.fillMessage(entry, m);
        (el.querySelector('[data-testid="cc-original-toggle"]') as HTMLElement | null)?.focus();
      });
      children.push(toggle);
    }
    if (m.author === 'visitor') {
      const state = m.delivery === 'pending' ? w.pending : m.delivery === 'failed' ? w.failed : w.sent;
      children.push(h('span', { class: m.delivery === 'failed' ? 'meta failed' : 'meta', 'data-delivery': m.delivery }, state));
    }
    el.replaceChildren(...children);
  }

  private languageChosen(): void {
    this.actions.languageChanged(this.languageSelect.value);
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (text === '') {
      this.setNotice(this.text.empty, true);
      return;
    }
    if (this.infoShown) this.setNotice(undefined);
    this.actions.send(text);
  }

  private scrollToEnd(): void {
    this.messages.scrollTop = this.messages.scrollHeight;
  }
}
