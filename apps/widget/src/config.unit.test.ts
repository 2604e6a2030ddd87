import { describe, expect, it } from '@jest/globals';
import { configFrom } from './config';

describe('configFrom', () => {
  it('takes the gateway from the script src and the language from the browser', () => {
    expect(configFrom({ 'data-widget-key': 'wk_1' }, 'https://api.example/widget/widget.js', 'es-ES')).toEqual({ widgetKey: 'wk_1', gateway: 'https://api.example', language: 'es' });
  });

  it('prefers the tag attributes', () => {
    expect(configFrom({ 'data-widget-key': 'wk_1', 'data-gateway': 'https://gw.example/', 'data-language': 'pt-BR', 'data-cart-value': '42.5', 'data-currency': 'eur' }, 'https://cdn.example/w.js', 'en')).toEqual({
      widgetKey: 'wk_1',
      gateway: 'https://gw.example',
      language: 'pt',
      cartValue: 42.5,
      currency: 'EUR',
    });
  });

  it('falls back to English for a language it does not offer', () => {
    expect(configFrom({ 'data-widget-key': 'wk_1', 'data-language': 'ja' }, 'https://api.example/w.js', 'zh-CN')).toMatchObject({ language: 'en' });
  });

  it('names what is missing', () => {
    expect(configFrom({}, 'https://api.example/w.js', 'en')).toEqual({ error: expect.stringContaining('data-widget-key') });
    expect(configFrom({ 'data-widget-key': 'wk_1' }, undefined, 'en')).toEqual({ error: expect.stringContaining('data-gateway') });
  });
});
