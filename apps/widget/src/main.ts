/**
 * The visitor chat widget. A site embeds it with one tag:
 *
 *   <script src="https://<gateway>/widget/widget.js" data-widget-key="wk_…" async></script>
 *
 * Optional attributes: `data-gateway` (default: the origin of the script's
 * src), `data-language` (default: the browser's), `data-cart-value` and
 * `data-currency`. The site may also set `window.ccWidget.cartValue`, or call
 * `window.ccWidget.open()`, `.close()`, `.setCartValue(n)`.
 */
import { createClient } from '@contactcenter/client';
import { ActivityReporter, type Invitation } from './activity';
import { Chat } from './chat';
import { configFrom, type WidgetConfig } from './config';
import { SavedChatStore } from './savedChat';
import { WidgetView, type ViewActions } from './view';
import { VisitorSessionSource } from './visitorSession';
import { failureKind } from './retryPolicy';

/** What a site can do with the widget on its page. */
export interface WidgetApi {
  open(): void;
  close(): void;
  setCartValue(value: number): void;
  /** The cart's value, as the site last set it. */
  cartValue?: number;
}

declare global {
  interface Window {
    ccWidget?: Partial<WidgetApi>;
  }
}

function scriptTag(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.hasAttribute('data-widget-key')) return current;
  return document.querySelector<HTMLScriptElement>('script[data-widget-key]');
}

function attributesOf(script: HTMLScriptElement | null): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (script) for (const a of Array.from(script.attributes)) out[a.name] = a.value;
  return out;
}

function mount(script: HTMLScriptElement | null): void {
  const config = configFrom(attributesOf(script), script?.src, navigator.language);
  const host = document.createElement('div');
  host.setAttribute('data-cc-widget', '');
  document.body.append(host);

  let chat: Chat | undefined;
  let invitation: Invitation | undefined;
  const dismissed = new Set<string>();
  const actions: ViewActions = {
    start: (language) => void chat?.start(language),
    send: (text) => chat?.send(text),
    typing: () => chat?.typing(),
    acceptInvitation: () => {
      const accepted = invitation;
      if (!accepted || !chat) return;
      invitation = undefined;
      view.showInvitation(undefined);
      view.open();
      void chat.acceptInvitation(accepted.invitationId);
    },
    dismissInvitation: () => {
      if (invitation) dismissed.add(invitation.invitationId);
      invitation = undefined;
      view.showInvitation(undefined);
    },
    newChat: () => chat?.newChat(),
    opened: () => saved?.update({ open: true }),
    closed: () => {
      saved?.update({ open: false });
      if (invitation) view.showInvitation(invitation.message);
    },
    languageChanged: (language) => chat?.setLanguage(language),
  };
  const view = new WidgetView(host, 'error' in config ? 'en' : config.language, actions);
  const saved = 'error' in config ? undefined : new SavedChatStore(config.widgetKey);
  installApi(view, 'error' in config ? undefined : config);

  if ('error' in config) {
    // The site's mistake: the visitor still sees why there is no chat, never an empty panel.
    view.setNotice(view.words().refused);
    view.setStage('off');
    console.warn(`[chat widget] ${config.error}`);
    return;
  }
  const session = new VisitorSessionSource(config.gateway, config.widgetKey, saved!);
  const client = createClient({ baseUrl: config.gateway, token: session.token });
  chat = new Chat(client, session, saved!, view, config.language);
  const reporter = new ActivityReporter({
    client,
    cartValue: () => window.ccWidget?.cartValue ?? numberOr(script?.getAttribute('data-cart-value')) ?? config.cartValue,
    currency: config.currency,
    language: () => chat!.visitorLanguage,
    paused: () => chat!.chatting,
    onInvitation: (offered) => {
      if (dismissed.has(offered.invitationId) || chat!.chatting) return;
      invitation = offered;
      view.showInvitation(offered.message);
    },
    onFailure: (p) => {
      if (p.status === 401 && session.hasSaved()) {
        session.forget();
        return true;
      }
      chat!.calls.show(p, undefined);
      return failureKind(p) !== 'refused';
    },
    onSuccess: () => chat!.calls.clear(),
  });
  chat.resume();
  if (saved!.get().open) view.open(false);
  reporter.start();
}

function numberOr(raw: string | null | undefined): number | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function installApi(view: WidgetView, config: WidgetConfig | undefined): void {
  const api: Partial<WidgetApi> = window.ccWidget ?? {};
  api.open = () => view.open();
  api.close = () => view.close();
  api.setCartValue = (value: number) => {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) api.cartValue = value;
  };
  if (api.cartValue === undefined && config?.cartValue !== undefined) api.cartValue = config.cartValue;
  window.ccWidget = api;
}

// Read while this script runs: `document.currentScript` is gone once it has.
const script = scriptTag();
if (document.body) mount(script);
else document.addEventListener('DOMContentLoaded', () => mount(script), { once: true });
