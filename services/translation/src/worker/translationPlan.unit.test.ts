import { AuthorKind } from '@contactcenter/proto/conversation/v1';
import { planTranslation, type MessageContext } from './translationPlan';

const customer = (over: Partial<MessageContext> = {}): MessageContext => ({
  authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER,
  messageLanguage: '',
  detected: undefined,
  customerLanguage: 'en',
  agentLanguage: 'es',
  ...over,
});

describe('planTranslation', () => {
  it('translates a customer message for an agent who reads another language', () => {
    expect(planTranslation(customer({ detected: 'en' }))).toEqual({ translate: { source: 'en', target: 'es' } });
  });

  it('follows the customer into another language mid-conversation', () => {
    expect(planTranslation(customer({ detected: 'de' }))).toEqual({ customerLanguage: 'de', customerLanguageDetected: true, translate: { source: 'de', target: 'es' } });
    expect(planTranslation(customer({ messageLanguage: 'fr', detected: 'de' }))).toEqual({ customerLanguage: 'fr', customerLanguageDetected: false, translate: { source: 'fr', target: 'es' } });
  });

  it('keeps the known language when detection cannot tell, and translates nothing between variants', () => {
    expect(planTranslation(customer({ detected: undefined }))).toEqual({ translate: { source: 'en', target: 'es' } });
    expect(planTranslation(customer({ messageLanguage: 'en-GB', agentLanguage: 'en-US' }))).toEqual({});
  });

  it('waits for an agent before translating a customer message', () => {
    expect(planTranslation(customer({ detected: 'en', agentLanguage: '' }))).toEqual({});
  });

  it('translates an agent reply into the customer language, and leaves bot messages alone', () => {
    expect(planTranslation({ ...customer(), authorKind: AuthorKind.AUTHOR_KIND_AGENT })).toEqual({ translate: { source: 'es', target: 'en' } });
    expect(planTranslation({ ...customer(), authorKind: AuthorKind.AUTHOR_KIND_AGENT, messageLanguage: 'en' })).toEqual({});
    expect(planTranslation({ ...customer(), authorKind: AuthorKind.AUTHOR_KIND_BOT })).toEqual({});
  });
});
