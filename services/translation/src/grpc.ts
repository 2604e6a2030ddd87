import { requireTenantId, type AsyncService, type CallContext } from '@contactcenter/infra';
import { IllegalStateError, ValidationError } from '@contactcenter/infra/errors';
import type { TranslationServiceServer } from '@contactcenter/proto/translation/v1';
import type { LanguageDetector } from './detection/detectLanguage';
import { validateCanned, validateSettings, type TenantSettingsStore } from './settings/tenantSettings';
import { translate, type TranslatorDeps } from './translator';

export interface TranslationGrpcDeps {
  translator: TranslatorDeps;
  settings: TenantSettingsStore;
  detector: LanguageDetector;
  defaultProvider: string;
}

/** TranslationService over gRPC: settings, previews (Translate), detection and the pairs a provider offers. */
export function translationGrpc(deps: TranslationGrpcDeps): AsyncService<TranslationServiceServer> {
  const { translator, settings, detector } = deps;
  const providerFor = async (ctx: CallContext, asked = ''): Promise<string> => {
    const name = asked || (await settings.get(requireTenantId(ctx.tenantId))).provider || deps.defaultProvider;
    if (name === 'off') throw new IllegalStateError('translation is off on this service: no provider is configured');
    if (!translator.providers.has(name)) throw new ValidationError('provider', `unknown provider ${JSON.stringify(name)}; this service offers ${[...translator.providers.keys()].join(', ') || 'none'}`);
    return name;
  };
  return {
    translate: async (req, ctx) => {
      const provider = await providerFor(ctx);
      const source = req.sourceLanguage || detector.detect(req.text)?.language;
      if (!source) throw new ValidationError('source_language', 'could not be detected from so short a text; give it');
      const tenant = await settings.get(ctx.tenantId);
      const result = await translate(translator, { provider, glossary: tenant.glossary }, { text: req.text, source, target: req.targetLanguage });
      return {
        status: result.status === 'canned' ? 'translated' : result.status,
        text: result.text,
        sourceLanguage: source,
        provider: result.status === 'translated' ? result.provider : provider,
        fromCache: result.status === 'translated' && result.fromCache,
        failure: result.status === 'failed' ? result.error.kind : '',
        detail: result.status === 'failed' ? result.error.message : '',
      };
    },
    detectLanguage: async (req) => {
      if (req.text.trim() === '') throw new ValidationError('text', 'is required');
      const found = detector.detect(req.text);
      return { language: found?.language ?? '', confidence: found?.confidence ?? 0 };
    },
    listLanguagePairs: async (req, ctx) => {
      const provider = await providerFor(ctx, req.provider);
      const pairs = await translator.providers.get(provider)!.supportedPairs();
      return { provider, pairs: pairs.map((p) => ({ sourceLanguage: p.source, targetLanguage: p.target })) };
    },
    setTenantSettings: async (req, ctx) => {
      if (!req.settings) throw new ValidationError('settings', 'is required');
      const valid = validateSettings(req.settings, [...translator.providers.keys()]);
      return { settings: await settings.put(requireTenantId(ctx.tenantId), valid) };
    },
    getTenantSettings: async (_req, ctx) => ({ settings: await settings.get(requireTenantId(ctx.tenantId)) }),
    upsertCannedResponse: async (req, ctx) => {
      const c = req.cannedResponse;
      if (!c) throw new ValidationError('canned_response', 'is required');
      const valid = validateCanned({ id: c.cannedResponseId, title: c.title, versions: c.versions }, translator.maxTextChars ?? 5_000);
      const saved = await settings.putCanned(requireTenantId(ctx.tenantId), valid);
      return { cannedResponse: { cannedResponseId: saved.id, title: saved.title, versions: saved.versions } };
    },
    listCannedResponses: async (_req, ctx) => ({
      cannedResponses: (await settings.listCanned(requireTenantId(ctx.tenantId))).map((c) => ({ cannedResponseId: c.id, title: c.title, versions: c.versions })),
    }),
  };
}
