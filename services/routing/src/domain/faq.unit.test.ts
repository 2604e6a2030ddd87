import { validationFieldOf } from '../../../../test/support/validation';
import { matchFaq, validateFaqEntry, words, type FaqEntry } from './faq';

const entry = (entryId: string, language: string, question: string, keywords: string[] = [], answer = `answer ${entryId}`): FaqEntry => ({ entryId, language, question, answer, keywords });

const ENTRIES: FaqEntry[] = [
  entry('en-password', 'en', 'How do I reset my password?', ['password', 'reset', 'login']),
  entry('en-hours', 'en', 'What are your opening hours?', ['hours', 'open']),
  entry('es-password', 'es', '¿Cómo cambio mi contraseña?', ['contraseña', 'clave']),
  entry('es-hours', 'es', '¿Cuál es el horario de atención?', ['horario']),
  entry('pt-hours', 'pt-BR', 'Qual é o horário de atendimento?', ['horário']),
];

describe('words', () => {
  it('lower-cases, folds accents and drops words shorter than 3 letters and stop words', () => {
    expect(words('¿Cuál es el HORARIO de atención?')).toEqual(new Set(['horario', 'atencion']));
    expect(words('What are the prices?')).toEqual(new Set(['prices']));
  });

  it('does not match an entry on stop words alone', () => {
    const hours = { entryId: 'hours', language: 'en', question: 'What are your opening hours?', answer: 'We open at 9.', keywords: [] };
    expect(matchFaq([hours], 'what are the prices', 'en')).toBeUndefined();
    expect(matchFaq([hours], 'what are the opening hours', 'en')).toBe(hours);
  });

  it('keeps digits and letters of any script, once each', () => {
    expect(words('Order 12345, order 12345!')).toEqual(new Set(['order', '12345']));
    expect(words('Straße über')).toEqual(new Set(['straße', 'uber']));
    expect(words('пароль забыл')).toEqual(new Set(['пароль', 'забыл']));
  });

  it('is empty for text of punctuation and short words only', () => {
    expect(words('ok? no, it is.')).toEqual(new Set());
    expect(words('')).toEqual(new Set());
  });
});

describe('matchFaq', () => {
  it('answers with the entry whose words the message shares', () => {
    expect(matchFaq(ENTRIES, 'I need to reset my password', 'en')?.entryId).toBe('en-password');
    expect(matchFaq(ENTRIES, 'when are you open? what hours?', 'en')?.entryId).toBe('en-hours');
  });

  it('never answers Spanish text with an English entry, even when the words match', () => {
    expect(matchFaq(ENTRIES, 'reset password login', 'es')).toBeUndefined();
    expect(matchFaq(ENTRIES, 'olvidé mi contraseña', 'es')?.entryId).toBe('es-password');
  });

  it('never answers English text with a Spanish entry', () => {
    expect(matchFaq(ENTRIES, 'horario contraseña', 'en')).toBeUndefined();
  });

  it('matches on the primary language subtag, both ways', () => {
    expect(matchFaq(ENTRIES, '¿Cuál es el horario?', 'es-MX')?.entryId).toBe('es-hours');
    expect(matchFaq(ENTRIES, 'qual o horário?', 'pt')?.entryId).toBe('pt-hours');
  });

  it('takes an unknown language for English', () => {
    expect(matchFaq(ENTRIES, 'reset password', '')?.entryId).toBe('en-password');
  });

  it('folds accents on both sides', () => {
    expect(matchFaq(ENTRIES, 'olvide mi contrasena', 'es')?.entryId).toBe('es-password');
    expect(matchFaq(ENTRIES, 'CONTRASEÑA', 'es')?.entryId).toBe('es-password');
    expect(matchFaq(ENTRIES, 'qual o horario', 'pt-br')?.entryId).toBe('pt-hours');
  });

  it('judges a short message by its own words', () => {
    expect(matchFaq(ENTRIES, 'horario', 'es')?.entryId).toBe('es-hours');
  });

  it('answers nothing below the threshold, and honours a custom threshold', () => {
    const one = [entry('e', 'en', 'refund shipping invoice warranty', [])];
    // 1 word of 4 in common: 0.25.
    expect(matchFaq(one, 'about my refund and other things today', 'en')).toBeUndefined();
    expect(matchFaq(one, 'about my refund and other things today', 'en', 0.25)?.entryId).toBe('e');
    // 2 of 4: exactly the default threshold.
    expect(matchFaq(one, 'refund and shipping please tell', 'en')?.entryId).toBe('e');
  });

  it('prefers the best score, and the first entry on a tie', () => {
    const entries = [entry('partial', 'en', 'refund policy details', []), entry('full', 'en', 'refund status', []), entry('full-too', 'en', 'refund status', [])];
    expect(matchFaq(entries, 'refund status', 'en')?.entryId).toBe('full');
  });

  it('answers nothing to a message without words, and skips entries without words', () => {
    expect(matchFaq(ENTRIES, '?? ok', 'en')).toBeUndefined();
    expect(matchFaq([entry('empty', 'en', 'Hi?', [])], 'hi there', 'en')).toBeUndefined();
  });
});

describe('validateFaqEntry', () => {
  const ok = entry('faq-1', 'pt-BR', 'Qual é o horário?', ['horário'], 'Das 9h às 18h.');

  it('accepts a good entry and lower-cases its language', () => {
    expect(validateFaqEntry(ok)).toEqual({ ...ok, language: 'pt-br' });
  });

  it.each<[string, Partial<FaqEntry>, string]>([
    ['a bad entry id', { entryId: 'faq 1' }, 'entry.entry_id'],
    ['a bad language', { language: 'portuguese' }, 'entry.language'],
    ['a blank question', { question: '   ' }, 'entry.question'],
    ['a question of 1001 characters', { question: 'q'.repeat(1_001) }, 'entry.question'],
    ['a blank answer', { answer: '\n' }, 'entry.answer'],
    ['an answer of 4001 characters', { answer: 'a'.repeat(4_001) }, 'entry.answer'],
    ['51 keywords', { keywords: Array.from({ length: 51 }, (_, i) => `k${i}`) }, 'entry.keywords'],
  ])('refuses %s, naming the field', (_what, over, field) => {
    expect(validationFieldOf(() => validateFaqEntry({ ...ok, ...over }))).toBe(field);
  });

  it('accepts the limits themselves', () => {
    expect(validationFieldOf(() => validateFaqEntry({ ...ok, question: 'q'.repeat(1_000), answer: 'a'.repeat(4_000), keywords: Array.from({ length: 50 }, (_, i) => `k${i}`) }))).toBeUndefined();
  });
});
