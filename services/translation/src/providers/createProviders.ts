import type { ConfigOf } from '@contactcenter/infra';
import type { translationConfig } from '../config';
import { ApertiumApyProvider } from './apertiumApy';
import { withCircuitBreaker } from './breakerProvider';
import { DeepLProvider } from './deepl';
import { LibreTranslateProvider } from './libreTranslate';
import type { TranslationProvider } from './translationProvider';

/**
 * The providers this process offers, by name, each behind its own breaker:
 * one provider's outage must not stop tenants who use another. LibreTranslate
 * and DeepL are offered only when configured.
 */
export function createProviders(config: ConfigOf<typeof translationConfig>): Map<string, TranslationProvider> {
  const timeoutMs = config.TRANSLATION_TIMEOUT_MS;
  const providers: TranslationProvider[] = [new ApertiumApyProvider({ baseUrl: config.APERTIUM_URL, timeoutMs })];
  if (config.LIBRETRANSLATE_URL) providers.push(new LibreTranslateProvider({ baseUrl: config.LIBRETRANSLATE_URL, apiKey: config.LIBRETRANSLATE_API_KEY, timeoutMs }));
  if (config.DEEPL_AUTH_KEY) providers.push(new DeepLProvider({ baseUrl: config.DEEPL_URL, authKey: config.DEEPL_AUTH_KEY, timeoutMs }));
  const breaker = { failureThreshold: config.TRANSLATION_BREAKER_FAILURES, coolDownMs: config.TRANSLATION_BREAKER_COOL_DOWN_MS };
  return new Map(providers.map((p) => [p.name, withCircuitBreaker(p, breaker)]));
}
