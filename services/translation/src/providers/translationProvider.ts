import { UnavailableError, ValidationError } from '@contactcenter/infra/errors';

/** A direction a provider can translate, as BCP 47 tags (`en`, `es`, `en-US`). */
export interface LanguagePair {
  source: string;
  target: string;
}

export interface TranslateRequest {
  text: string;
  /** BCP 47 tags; the provider maps them to its own codes. */
  source: string;
  target: string;
  /** Aborted when the caller gives up; the adapter stops waiting at once. */
  signal?: AbortSignal;
}

export interface Translated {
  text: string;
  /** The provider that produced `text` (the adapter's `name`). */
  provider: string;
}

/**
 * A machine-translation engine behind one port, so the service can switch
 * engines per tenant and tests can use a tiny in-memory one. Adapters speak
 * their engine's wire format and report every failure as one of the errors
 * below; they never throw strings or raw fetch errors.
 *
 * @example
 *   const apertium = new ApertiumApyProvider({ baseUrl: 'http://127.0.0.1:2737' });
 *   await apertium.translate({ text: 'Hello', source: 'en', target: 'es' });
 *   // → { text: 'Hola', provider: 'apertium' }
 */
export interface TranslationProvider {
  readonly name: string;
  supportedPairs(): Promise<LanguagePair[]>;
  translate(request: TranslateRequest): Promise<Translated>;
}

/** How many pairs an error message lists: DeepL alone offers about a thousand. */
const LISTED_PAIRS = 40;

export const formatPairs = (pairs: readonly LanguagePair[]): string => {
  const shown = pairs.slice(0, LISTED_PAIRS).map((p) => `${p.source}→${p.target}`);
  const more = pairs.length > LISTED_PAIRS ? ` and ${pairs.length - LISTED_PAIRS} more` : '';
  return shown.length ? `${shown.join(', ')}${more}` : 'none';
};

/**
 * The provider cannot translate this direction. It is the caller's choice of
 * languages that is wrong, so it is a validation error (INVALID_ARGUMENT on
 * gRPC) on the target language, and the message says what would work.
 */
export class UnsupportedLanguagePairError extends ValidationError {
  constructor(
    readonly provider: string,
    readonly source: string,
    readonly target: string,
    readonly supported: readonly LanguagePair[],
  ) {
    super('target_language', `${provider} cannot translate ${source}→${target}; supported pairs: ${formatPairs(supported)}`);
  }
}

/**
 * Why a provider failed: lets the caller decide what to tell an admin
 * (`auth`, `quota` need a human; `rate_limited`, `server`, `timeout` pass).
 */
export type ProviderFailure = 'auth' | 'quota' | 'rate_limited' | 'bad_request' | 'server' | 'garbage' | 'network' | 'timeout';

/**
 * The provider answered with an error or with something that is not its
 * documented answer, or could not be reached. An UnavailableError: the
 * dependency, not the request, is at fault.
 */
export class ProviderError extends UnavailableError {
  /** The HTTP status the provider answered with, when it answered. */
  readonly status: number | undefined;
  constructor(
    readonly provider: string,
    readonly failure: ProviderFailure,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(`${provider}: ${message}`, options);
    this.status = options?.status;
  }
}

/** The provider did not answer within the adapter's timeout. */
export class ProviderTimeoutError extends ProviderError {
  constructor(provider: string, readonly timeoutMs: number) {
    super(provider, 'timeout', `no answer within ${timeoutMs} ms`);
  }
}
