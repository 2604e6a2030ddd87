import { hostPort, int, runService, string } from '@contactcenter/infra';
import { TranslationServiceService } from '@contactcenter/proto/translation/v1';
import { translationConfig } from './config';
import { loadLanguageDetector } from './detection/detectLanguage';
import { NatsKvTranslationCache } from './memory/natsKvTranslationCache';
import { createProviders } from './providers/createProviders';
import { translationGrpc } from './grpc';
import { DEFAULT_TRANSLATION_BUCKET, TenantSettingsStore } from './settings/tenantSettings';
import { TranslationWorker } from './worker/translationWorker';

/**
 * The translation service process: detects the customer's language,
 * translates customer messages for the agent and agent replies for the
 * customer, and records every translation (or failure) on the conversation.
 */
runService(
  'translation',
  {
    ...translationConfig,
    CONVERSATION_GRPC_ADDR: hostPort({ default: '127.0.0.1:50051' }),
    PRESENCE_GRPC_ADDR: hostPort({ default: '127.0.0.1:50053' }),
    /** The provider of tenants that chose none: apertium, libretranslate, deepl, or off. */
    TRANSLATION_DEFAULT_PROVIDER: string({ default: 'apertium' }),
    /** NATS KV bucket of tenant settings. */
    TRANSLATION_BUCKET: string({ default: DEFAULT_TRANSLATION_BUCKET }),
    TRANSLATION_MAX_ATTEMPTS: int({ default: 4, min: 1, max: 20 }),
  },
  async (rt) => {
    const { config, logger } = rt;
    const providers = createProviders(config);
    const defaultProvider = config.TRANSLATION_DEFAULT_PROVIDER;
    if (defaultProvider === 'off') logger.info('translation is off: no provider is configured (install apertium-apy to translate offline)');
    else if (!providers.has(defaultProvider)) throw new Error(`TRANSLATION_DEFAULT_PROVIDER: ${defaultProvider} is not configured; one of ${[...providers.keys()].join(', ')} or off`);
    const cache = await NatsKvTranslationCache.open(rt.nats, config.TRANSLATION_CACHE_BUCKET, { ttlMs: config.TRANSLATION_CACHE_TTL_MS });
    const translator = { providers, cache, maxTextChars: config.TRANSLATION_MAX_TEXT_CHARS };
    const settings = await TenantSettingsStore.open(rt.nats, config.TRANSLATION_BUCKET);
    const detector = await loadLanguageDetector();
    rt.grpc.addService(TranslationServiceService, translationGrpc({ translator, settings, detector, defaultProvider }));
    const worker = new TranslationWorker({
      nc: rt.nats,
      translator,
      settings,
      detector,
      defaultProvider,
      conversationAddress: config.CONVERSATION_GRPC_ADDR,
      presenceAddress: config.PRESENCE_GRPC_ADDR,
      logger,
      maxAttempts: config.TRANSLATION_MAX_ATTEMPTS,
    });
    await worker.start();
    rt.onShutdown('translation-worker', () => worker.stop());
  },
);
