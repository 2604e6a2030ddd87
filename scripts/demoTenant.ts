/**
 * The demo tenant `npm start` sets up, through the gateway's admin API as an
 * administrator would, so that a newcomer can chat with themselves a minute
 * after starting: two agents (Tom, English with translation on; Bea, on the
 * billing team), a support queue and the billing team's queue, a widget key
 * allowed on the gateway's own origin (the demo page), a canned response in
 * English and Spanish, an invitation rule for the demo page, a post-chat
 * survey in both languages, the metrics' time zone, and a support email
 * address (support@demo.localhost) whose mail enters an email queue Tom serves. Safe to run on every
 * start: everything is a PUT except the widget key, which is reused.
 */
export interface DemoTenant {
  tenant: string;
  widgetKey: string;
  agents: string[];
}

export const DEMO_TENANT = 'demo';
/** The demo tenant's support address: mail to it over SMTP (port 2525 under `npm start`) lands in Tom's inbox. */
export const DEMO_SUPPORT_ADDRESS = 'support@demo.localhost';

export async function seedDemoTenant(gatewayUrl: string, adminToken: string, opts: { tenant?: string; timeZone?: string } = {}): Promise<DemoTenant> {
  const tenant = opts.tenant ?? DEMO_TENANT;
  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`setting up the demo tenant: ${method} ${path} answered ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  await call('PUT', '/v1/admin/queues/support', { name: 'Support', channel: 'chat', strategy: 'STRATEGY_LONGEST_IDLE', offerTimeoutSeconds: 30, averageHandleSeconds: 180 });
  await call('PUT', '/v1/admin/queues/billing', { name: 'Billing', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', offerTimeoutSeconds: 30, averageHandleSeconds: 240 });
  await call('PUT', '/v1/admin/queues/email', { name: 'Email', channel: 'email', strategy: 'STRATEGY_LONGEST_IDLE', offerTimeoutSeconds: 0, averageHandleSeconds: 600 });
  await call('PUT', '/v1/admin/teams/billing', { name: 'Billing', queueId: 'billing' });
  await call('PUT', '/v1/admin/agents/tom', { displayName: 'Tom', languages: ['en'], capacity: { chat: 3, email: 5 }, translationEnabled: true, teamIds: [] });
  await call('PUT', '/v1/admin/agents/bea', { displayName: 'Bea', languages: ['en'], capacity: { chat: 3 }, translationEnabled: true, teamIds: ['billing'] });
  await call('PUT', '/v1/admin/canned-responses/greeting', {
    title: 'Greeting',
    versions: { en: 'Hello {{customer.name}}, thanks for reaching out! How can I help?', es: 'Hola {{customer.name}}, ¡gracias por escribirnos! ¿En qué puedo ayudarle?' },
  });
  const origin = new URL(gatewayUrl).origin;
  // The page may be opened as localhost or as 127.0.0.1: both are the demo page's origin.
  const origins = [...new Set([origin, origin.replace('//127.0.0.1', '//localhost'), origin.replace('//localhost', '//127.0.0.1')])];
  const { widgetKeys } = await call<{ widgetKeys: { widgetKey: string; revoked: boolean; allowedOrigins: string[] }[] }>('GET', '/v1/admin/widget-keys');
  const reusable = widgetKeys.find((k) => !k.revoked && k.allowedOrigins.includes(origin));
  const widgetKey = reusable?.widgetKey ?? (await call<{ widgetKey: string }>('POST', '/v1/admin/widget-keys', { allowedOrigins: origins })).widgetKey;
  await call('PUT', '/v1/admin/invitation-rules', {
    rules: [
      {
        ruleId: 'demo-product-page',
        urlPattern: `${origin}/demo/*`,
        minTimeOnPageSeconds: 10,
        minCartValue: 1,
        currency: 'EUR',
        messages: { en: 'Questions about the Trail Runner 3? We are here to help.', es: '¿Dudas sobre las Trail Runner 3? Estamos aquí para ayudarle.' },
        queueId: 'support',
      },
    ],
  });
  await call('PUT', '/v1/admin/surveys/post-chat', {
    titles: { en: 'How did we do?', es: '¿Qué tal lo hicimos?' },
    defaultLanguage: 'en',
    questions: [
      { questionId: 'csat', kind: 'SURVEY_QUESTION_KIND_CSAT', required: true, texts: { en: 'How satisfied are you with the chat?', es: '¿Qué tan satisfecho está con el chat?' } },
      { questionId: 'nps', kind: 'SURVEY_QUESTION_KIND_NPS', texts: { en: 'How likely are you to recommend us?', es: '¿Qué probabilidad hay de que nos recomiende?' } },
    ],
    sendOnResolveChannels: ['CHANNEL_CHAT'],
    delaySeconds: 0,
    editWindowSeconds: 300,
    enabled: true,
  });
  await call('PUT', `/v1/admin/channels/email/${encodeURIComponent(DEMO_SUPPORT_ADDRESS)}`, { queueId: 'email', fromName: 'Demo Shop Support', language: 'en' });
  await call('PUT', '/v1/admin/metrics-settings', { timeZone: opts.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC' });
  return { tenant, widgetKey, agents: ['tom', 'bea'] };
}
