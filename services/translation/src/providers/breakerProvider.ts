import { CircuitBreaker, type CircuitBreakerOptions } from './circuitBreaker';
import { ProviderError, type TranslationProvider } from './translationProvider';

/**
 * `provider` behind its own circuit breaker. Only provider failures (errors,
 * garbage, timeouts) count against it: an unsupported pair or a caller who
 * gave up says nothing about the provider's health.
 *
 * @example
 *   const deepl = withCircuitBreaker(new DeepLProvider(options), { failureThreshold: 5, coolDownMs: 30_000 });
 */
export function withCircuitBreaker(provider: TranslationProvider, options: Omit<CircuitBreakerOptions, 'isFailure'> = {}): TranslationProvider & { breaker: CircuitBreaker } {
  const breaker = new CircuitBreaker(provider.name, { ...options, isFailure: (err) => err instanceof ProviderError });
  return {
    name: provider.name,
    breaker,
    supportedPairs: () => breaker.run(() => provider.supportedPairs()),
    translate: (request) => breaker.run(() => provider.translate(request)),
  };
}
