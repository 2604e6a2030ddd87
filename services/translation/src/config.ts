import { commonConfig, int, optionalString, string, url } from '@contactcenter/infra';
import { DEFAULT_TRANSLATION_CACHE_BUCKET } from './memory/natsKvTranslationCache';
import { DEFAULT_MAX_TEXT_CHARS } from './translationRequest';

/**
 * The translation service's environment (pass to loadConfig). A provider
 * whose URL (and, for DeepL, key) is unset is simply not offered; Apertium
 * is the default because it runs offline on our own machines.
 */
export const translationConfig = {
  ...commonConfig,
  TRANSLATION_MAX_TEXT_CHARS: int({ default: DEFAULT_MAX_TEXT_CHARS, min: 1, max: 100_000 }),
  TRANSLATION_TIMEOUT_MS: int({ default: 5_000, min: 100, max: 120_000 }),
  TRANSLATION_BREAKER_FAILURES: int({ default: 5, min: 1, max: 1_000 }),
  TRANSLATION_BREAKER_COOL_DOWN_MS: int({ default: 30_000, min: 100, max: 3_600_000 }),
  TRANSLATION_CACHE_BUCKET: string({ default: DEFAULT_TRANSLATION_CACHE_BUCKET }),
  TRANSLATION_CACHE_TTL_MS: int({ default: 7 * 24 * 3_600_000, min: 1_000 }),
  APERTIUM_URL: url(['http', 'https'], { default: 'http://127.0.0.1:2737' }),
  LIBRETRANSLATE_URL: optionalString(),
  LIBRETRANSLATE_API_KEY: optionalString(),
  DEEPL_URL: url(['http', 'https'], { default: 'https://api-free.deepl.com' }),
  DEEPL_AUTH_KEY: optionalString(),
};
