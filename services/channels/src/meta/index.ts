export { MetaAdapter, type MetaAdapterOptions } from './graphSender';
export { metaWebhookRoutes, type MetaWebhookOptions } from './webhookRoutes';
export { customerIdentity, providerIdOf, threadKeyOf, META_CHANNELS, type MetaChannel } from './metaEvents';
export { serviceWindow, sendPolicy, SERVICE_WINDOW_MS, HUMAN_AGENT_WINDOW_MS, type ServiceWindow, type SendPolicy } from './serviceWindow';
export { isValidSignature, signatureOf, verifySubscription, SIGNATURE_HEADER } from './signature';
export { MediaFetcher, MediaFetchError, type MediaFetcherOptions } from './mediaFetcher';
