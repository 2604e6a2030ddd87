import { fromApertiumCode, toApertiumCode } from './apertiumCodes';

describe('Apertium language codes', () => {
  it('maps ISO 639-3 codes and variants to BCP 47', () => {
    expect(fromApertiumCode('eng')).toBe('en');
    expect(fromApertiumCode('spa')).toBe('es');
    expect(fromApertiumCode('eng_US')).toBe('en-US');
    expect(fromApertiumCode('cat_valencia')).toBe('ca-valencia');
    expect(fromApertiumCode('oci_aran')).toBe('oc-aranes');
    expect(fromApertiumCode('ast')).toBe('ast');
  });

  it('ignores what is not a language code', () => {
    expect(fromApertiumCode('eng-spa_tagger')).toBeUndefined();
    expect(fromApertiumCode('x')).toBeUndefined();
  });

  it('maps BCP 47 tags back', () => {
    expect(toApertiumCode('en')).toBe('eng');
    expect(toApertiumCode('es-ES')).toBe('spa_ES');
    expect(toApertiumCode('en-us')).toBe('eng_US');
    expect(toApertiumCode('ca-valencia')).toBe('cat_valencia');
    expect(toApertiumCode('oc-aranes')).toBe('oci_aran');
    expect(toApertiumCode('sr-Latn')).toBe('srp');
    for (const code of ['eng', 'spa', 'eng_US', 'cat_valencia', 'oci_aran', 'nob']) expect(toApertiumCode(fromApertiumCode(code)!)).toBe(code);
  });
});
