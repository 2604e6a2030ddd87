import { IllegalStateError, isDomainError } from '@contactcenter/infra/errors';
import { cannedVersionFor, type CannedResponse } from './memory/cannedResponses';
import { glossaryFingerprint, protectTerms, type Glossary } from './memory/glossary';
import { translationCacheKey, type TranslationCache } from './memory/translationCache';
import { CircuitOpenError } from './providers/circuitBreaker';
import { sameLanguage } from '@contactcenter/infra';
import { ProviderError, type ProviderFailure, type TranslationProvider } from './providers/translationProvider';
import { DEFAULT_MAX_TEXT_CHARS, validateTranslationInput } from './translationRequest';

/** What a tenant chose: which provider, and which terms stay as written. */
export interface TenantTranslationSettings {
  provider: string;
  glossary?: Glossary;
}

export interface TranslatorDeps {
  /** By name; each already behind its circuit breaker (withCircuitBreaker). */
  providers: ReadonlyMap<string, TranslationProvider>;
  cache: TranslationCache;
  maxTextChars?: number;
}

export interface TranslateInput {
  text: string;
  source: string;
  target: string;
  /** When the text is a canned response, its human versions win over MT. */
  canned?: CannedResponse;
  signal?: AbortSignal;
}

export type TranslationFailure = { kind: ProviderFailure | 'circuit_open' | 'internal'; provider: string; message: string };

export type TranslationResult =
  | { status: 'translated'; text: string; provider: string; fromCache: boolean; lostTerms: string[] }
  | { status: 'canned'; text: string }
  /** Source and target are the same language: nothing to do. */
  | { status: 'unchanged'; text: string }
  /** The provider failed: `text` is the original, so the conversation goes on untranslated. */
  | { status: 'failed'; text: string; error: TranslationFailure };

/**
 * Translates one message for one tenant: canned version → translation memory
 * → glossary protection → provider (behind its breaker) → restore → memory.
 * Bad input throws ValidationError, an unsupported direction throws
 * UnsupportedLanguagePairError (the caller must choose differently); a
 * provider failure never throws: the result keeps the original text and
 * says what went wrong, because a message must reach the agent even when
 * translation cannot. A broken memory is skipped, not fatal.
 *
 * @example
 *   await translate(deps, { provider: 'apertium', glossary: ['Acme'] }, { text: 'Acme is down', source: 'en', target: 'es' });
 *   // → { status: 'translated', text: 'Acme es abajo', provider: 'apertium', fromCache: false, lostTerms: [] }
 */
export async function translate(deps: TranslatorDeps, settings: TenantTranslationSettings, input: TranslateInput): Promise<TranslationResult> {
  const { text, source, target } = validateTranslationInput(input, deps.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS);
  if (sameLanguage(source, target)) return { status: 'unchanged', text };
  const canned = input.canned && cannedVersionFor(input.canned, target);
  if (canned !== undefined) return { status: 'canned', text: canned };

  const provider = deps.providers.get(settings.provider);
  if (!provider) throw new IllegalStateError(`translation provider ${JSON.stringify(settings.provider)} is not configured on this service`);

  const glossary = settings.glossary ?? [];
  const key = translationCacheKey({ text, source, target, variant: glossaryFingerprint(glossary) });
  const hit = await deps.cache.get(key).catch(() => undefined);
  if (hit) return { status: 'translated', text: hit.text, provider: hit.provider, fromCache: true, lostTerms: [] };

  const guarded = protectTerms(text, glossary);
  let translated;
  try {
    translated = await provider.translate({ text: guarded.text, source, target, signal: input.signal });
  } catch (err) {
    if (input.signal?.aborted && err === input.signal.reason) throw err;
    // Validation (an unsupported pair) is the caller's to fix: it propagates.
    if (isDomainError(err) && err.code === 'validation') throw err;
    return { status: 'failed', text, error: failureOf(provider.name, err) };
  }
  const restored = guarded.restore(translated.text);
  // A translation that lost a protected term is served but not remembered: another provider may do better.
  if (restored.lost.length === 0) await deps.cache.set(key, { text: restored.text, provider: translated.provider }).catch(() => undefined);
  return { status: 'translated', text: restored.text, provider: translated.provider, fromCache: false, lostTerms: restored.lost };
}

function failureOf(provider: string, err: unknown): TranslationFailure {
  if (err instanceof ProviderError) return { kind: err.failure, provider, message: err.message };
  if (err instanceof CircuitOpenError) return { kind: 'circuit_open', provider, message: err.message };
  return { kind: 'internal', provider, message: (err as Error)?.message ?? String(err) };
}
