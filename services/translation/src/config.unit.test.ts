import { ConfigError, loadConfig } from '@contactcenter/infra';
import { translationConfig } from './config';

describe('translation config', () => {
  it('has working defaults and names a bad variable', () => {
    const config = loadConfig(translationConfig, {});
    expect(config).toMatchObject({ TRANSLATION_MAX_TEXT_CHARS: 5_000, APERTIUM_URL: 'http://127.0.0.1:2737', DEEPL_AUTH_KEY: undefined });
    expect(() => loadConfig(translationConfig, { TRANSLATION_MAX_TEXT_CHARS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig(translationConfig, { APERTIUM_URL: 'ftp://x' })).toThrow(/APERTIUM_URL/);
  });
});
