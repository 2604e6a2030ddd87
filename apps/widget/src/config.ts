import { primaryLanguage } from './messageStore';

/** The widget's settings, from its script tag. */
export interface WidgetConfig {
  widgetKey: string;
  /** The gateway's origin, e.g. `https://api.example`. */
  gateway: string;
  /** The language the visitor is offered first (a primary subtag, e.g. `es`). */
  language: string;
  /** `data-cart-value` on the tag, when the site sets it there. */
  cartValue?: number;
  /** `data-currency`: ISO 4217 code of the cart value. */
  currency?: string;
}

/** The languages the visitor may choose, with their names in themselves. */
export const LANGUAGES: readonly { tag: string; name: string }[] = [
  { tag: 'en', name: 'English' },
  { tag: 'es', name: 'Español' },
  { tag: 'fr', name: 'Français' },
  { tag: 'de', name: 'Deutsch' },
  { tag: 'pt', name: 'Português' },
];

export const supportedLanguage = (tag: string | undefined): string | undefined => {
  const primary = primaryLanguage(tag);
  return LANGUAGES.some((l) => l.tag === primary) ? primary : undefined;
};

/**
 * The settings of `<script src=".../widget/widget.js" data-widget-key="wk_…">`:
 * the gateway defaults to the origin the script came from, the language to
 * the browser's.
 *
 * @example
 *   configFrom({ 'data-widget-key': 'wk_1' }, 'https://api.example/widget/widget.js', 'es-ES')
 *   // { widgetKey: 'wk_1', gateway: 'https://api.example', language: 'es' }
 */
export function configFrom(attributes: Record<string, string | undefined>, scriptSrc: string | undefined, browserLanguage: string | undefined): WidgetConfig | { error: string } {
  const widgetKey = attributes['data-widget-key']?.trim();
  if (!widgetKey) return { error: 'data-widget-key is missing on the widget script tag' };
  let gateway = attributes['data-gateway']?.trim();
  if (!gateway && scriptSrc) {
    try {
      gateway = new URL(scriptSrc).origin;
    } catch {
      // no usable src: reported below
    }
  }
  if (!gateway) return { error: 'data-gateway is missing and the script has no src to take the gateway from' };
  const language = supportedLanguage(attributes['data-language']) ?? supportedLanguage(browserLanguage) ?? 'en';
  const cart = Number(attributes['data-cart-value']);
  const currency = attributes['data-currency']?.trim().toUpperCase();
  return {
    widgetKey,
    gateway: gateway.replace(/\/+$/, ''),
    language,
    ...(attributes['data-cart-value'] !== undefined && Number.isFinite(cart) && cart >= 0 ? { cartValue: cart } : {}),
    ...(currency && /^[A-Z]{3}$/.test(currency) ? { currency } : {}),
  };
}
