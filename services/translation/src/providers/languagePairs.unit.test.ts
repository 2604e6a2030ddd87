import { resolvePair } from './languagePairs';

describe('resolvePair', () => {
  const apertium = [
    { source: 'es', target: 'en' },
    { source: 'es', target: 'en-US' },
    { source: 'en', target: 'es' },
  ];

  it('prefers exact tags, then the generic pair of the same language', () => {
    expect(resolvePair(apertium, 'es', 'en')).toEqual({ source: 'es', target: 'en' });
    expect(resolvePair(apertium, 'es-MX', 'en-US')).toEqual({ source: 'es', target: 'en-US' });
    expect(resolvePair(apertium, 'es', 'en-GB')).toEqual({ source: 'es', target: 'en' });
    expect(resolvePair(apertium, 'EN-us', 'ES')).toEqual({ source: 'en', target: 'es' });
  });

  it('serves a bare tag from a regional pair and finds nothing for other languages', () => {
    expect(resolvePair([{ source: 'en', target: 'pt-BR' }], 'en', 'pt')).toEqual({ source: 'en', target: 'pt-BR' });
    expect(resolvePair(apertium, 'en', 'fr')).toBeUndefined();
    expect(resolvePair(apertium, 'fr', 'es')).toBeUndefined();
  });
});
