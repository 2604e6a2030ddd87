import { validationFieldOf } from '../../../test/support/validation';
import { validateTranslationInput } from './translationRequest';

describe('translation input validation', () => {
  const ok = { text: 'hello', source: 'en', target: 'es' };
  it('names the bad field', () => {
    expect(validationFieldOf(() => validateTranslationInput({ ...ok, text: '  ' }))).toBe('text');
    expect(validationFieldOf(() => validateTranslationInput({ ...ok, text: 'x'.repeat(5_001) }))).toBe('text');
    expect(validationFieldOf(() => validateTranslationInput({ ...ok, source: 'en_US' }))).toBe('source_language');
    expect(validationFieldOf(() => validateTranslationInput({ ...ok, target: '' }))).toBe('target_language');
    expect(validationFieldOf(() => validateTranslationInput(ok))).toBeUndefined();
  });

  it('counts characters, not UTF-16 units, against a configurable limit', () => {
    expect(validationFieldOf(() => validateTranslationInput({ ...ok, text: '😀'.repeat(10) }, 10))).toBeUndefined();
    expect(validationFieldOf(() => validateTranslationInput({ ...ok, text: '😀'.repeat(11) }, 10))).toBe('text');
  });
});
