import { NotFoundError } from '@contactcenter/infra/errors';
import { conversationDecider } from './conversationDecider';
import { command, customerMessage, event, started } from './conversationFixtures';
import { DeciderSpecification } from './deciderSpec';

const spec = DeciderSpecification.for(conversationDecider);

const record = (over: Partial<{ messageId: string; sourceLanguage: string; targetLanguage: string; text: string; provider: string; failure: string; detail: string }> = {}) =>
  command('RecordTranslation', { messageId: 'm1', sourceLanguage: 'pt', targetLanguage: 'en', text: 'Hello', provider: 'apertium', failure: '', detail: '', ...over });
const translated = (targetLanguage = 'en', text = 'Hello') =>
  event('MessageTranslated', { messageId: 'm1', sourceLanguage: 'pt', targetLanguage, text, provider: 'apertium' });
const failed = () => event('MessageTranslationFailed', { messageId: 'm1', targetLanguage: 'en', provider: 'apertium', failure: 'timeout', detail: 'no answer' });

describe('RecordTranslation', () => {
  const history = [started(), customerMessage('m1', 'c1', 1)];

  it('records a translation of a message, leaving the original as it was', () => {
    spec.given(history).when(record()).then([translated()]);
  });

  it('records each language once: a repeat, or a failure reported after success, changes nothing', () => {
    spec.given([...history, translated()]).when(record({ text: 'Hi' })).thenNothingHappens();
    spec.given([...history, translated()]).when(record({ text: '', failure: 'timeout', detail: 'late' })).thenNothingHappens();
    spec.given([...history, translated()]).when(record({ targetLanguage: 'de', text: 'Hallo' })).then([translated('de', 'Hallo')]);
  });

  it('records a failure, and the translation when a retry succeeds', () => {
    spec.given(history).when(record({ text: '', failure: 'timeout', detail: 'no answer' })).then([failed()]);
    spec.given([...history, failed()]).when(record()).then([translated()]);
  });

  it('refuses an unknown message and bad input', () => {
    spec.given(history).when(record({ messageId: 'nope' })).thenThrows(NotFoundError, 'message "nope"');
    spec.given(history).when(record({ failure: 'timeout' })).thenRejectsField('text');
    spec.given(history).when(record({ text: '' })).thenRejectsField('text');
    spec.given(history).when(record({ targetLanguage: 'not a tag' })).thenRejectsField('target_language');
    spec.given(history).when(record({ provider: 'Deep L' })).thenRejectsField('provider');
    spec.given(history).when(record({ text: 'x'.repeat(20_000) })).thenRejectsField('text');
  });
});

describe('ChangeCustomerLanguage', () => {
  it('follows the customer to another language, once', () => {
    spec
      .given([started()])
      .when(command('ChangeCustomerLanguage', { language: 'ES', detected: true }))
      .then([event('CustomerLanguageChanged', { language: 'es', previous: 'pt-BR', detected: true, changedBy: 'agent-7' })]);
  });

  it('changes nothing for the language it already has, and refuses a bad tag', () => {
    spec.given([started(), event('CustomerLanguageChanged', { language: 'es', previous: 'pt-BR', detected: true, changedBy: 'x' })]).when(command('ChangeCustomerLanguage', { language: 'es', detected: true })).thenNothingHappens();
    spec.given([started()]).when(command('ChangeCustomerLanguage', { language: '', detected: false })).thenRejectsField('language');
  });
});
