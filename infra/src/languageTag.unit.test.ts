import { isWellFormedLanguageTag } from './languageTag';

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
