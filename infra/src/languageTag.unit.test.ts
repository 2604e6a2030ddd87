import { isWellFormedLanguageTag, primaryLanguage, sameLanguage } from './languageTag';

describe('isWellFormedLanguageTag', () => {
  it.each(['en', 'es', 'pt-BR', 'zh-Hant-TW', 'sr-Latn-RS', 'es-419', 'de-CH-1996', 'yue', 'zh-yue-HK', 'en-US-x-twain', 'EN-us', 'de-DE-u-co-phonebk'])(
    'accepts %j',
    (tag) => expect(isWellFormedLanguageTag(tag)).toBe(true),
  );

  it.each(['', 'e', 'english', 'en_US', 'en-', '-en', 'en--US', 'en US', 'pt-BRA1', 'x-klingon', 'i-klingon', 'en-US-x', 'zh-Hant-TW-'.padEnd(40, 'a')])(
    'rejects %j',
    (tag) => expect(isWellFormedLanguageTag(tag)).toBe(false),
  );
});

describe('primaryLanguage and sameLanguage', () => {
  it('compare the language subtag only, ignoring case, region and script', () => {
    expect(primaryLanguage('pt-BR')).toBe('pt');
    expect(primaryLanguage('ZH-Hant-TW')).toBe('zh');
    expect(sameLanguage('en-GB', 'EN-us')).toBe(true);
    expect(sameLanguage('es', 'pt')).toBe(false);
  });
});
