import { glossaryFingerprint, protectTerms } from './glossary';

describe('glossary protection', () => {
  it('replaces whole-word terms, longest first, and restores them as written', () => {
    const p = protectTerms('Is Acme Cloud down? acme support said Acme is fine. Acmeville is not a term.', ['Acme', 'Acme Cloud']);
    expect(p.text).toBe('Is ZXQ0Z down? ZXQ1Z support said ZXQ2Z is fine. Acmeville is not a term.');
    expect(p.restore('¿Está ZXQ0Z abajo? El soporte de ZXQ1Z dijo que ZXQ2Z está bien.')).toEqual({
      text: '¿Está Acme Cloud abajo? El soporte de acme dijo que Acme está bien.',
      lost: [],
    });
  });

  it('survives unknown-word marks, case changes and reordering', () => {
    const p = protectTerms('Widget Pro and Acme', ['Acme', 'Widget Pro']);
    expect(p.restore('*zxq1z y *ZXQ0Z').text).toBe('Acme y Widget Pro');
  });

  it('tells which terms the engine dropped', () => {
    const p = protectTerms('Acme and Widget', ['Acme', 'Widget']);
    expect(p.restore('ZXQ0Z y').lost).toEqual(['Widget']);
  });

  it('switches placeholder stem when the text already contains one', () => {
    const p = protectTerms('zxq is my password for Acme', ['Acme']);
    expect(p.text).toBe('zxq is my password for QXZ0Z');
    expect(p.restore('zxq es mi contraseña para QXZ0Z').text).toBe('zxq es mi contraseña para Acme');
  });

  it('treats regex characters in terms literally and leaves text without terms alone', () => {
    expect(protectTerms('Try C++ (beta)', ['C++']).text).toBe('Try ZXQ0Z (beta)');
    const none = protectTerms('hello', ['Acme']);
    expect(none.text).toBe('hello');
    expect(none.restore('hola')).toEqual({ text: 'hola', lost: [] });
    expect(protectTerms('hello', []).text).toBe('hello');
  });

  it('fingerprints a glossary independently of order and case', () => {
    expect(glossaryFingerprint(['Acme', 'Widget'])).toBe(glossaryFingerprint(['widget', 'ACME ']));
    expect(glossaryFingerprint(['Acme'])).not.toBe(glossaryFingerprint(['Widget']));
    expect(glossaryFingerprint([])).toBe('');
  });
});
