import { cannedVersion } from './cannedVersion';

describe('cannedVersion', () => {
  const versions = { en: 'Hello', 'es-ES': 'Hola', 'pt-BR': 'Olá', de: '' };

  it('takes the customer\'s language first: the exact tag, the bare language, then any variant', () => {
    expect(cannedVersion(versions, ['es-ES', 'en'])).toEqual({ language: 'es-ES', text: 'Hola' });
    expect(cannedVersion(versions, ['EN-us'])).toEqual({ language: 'en', text: 'Hello' });
    expect(cannedVersion(versions, ['es-MX', 'en'])).toEqual({ language: 'es-ES', text: 'Hola' });
    expect(cannedVersion(versions, ['pt-PT'])).toEqual({ language: 'pt-BR', text: 'Olá' });
  });

  it('falls back to the next preference, then to the first version by tag; blank versions do not count', () => {
    expect(cannedVersion(versions, ['de', 'es'])).toEqual({ language: 'es-ES', text: 'Hola' });
    expect(cannedVersion(versions, ['fr', ''])).toEqual({ language: 'en', text: 'Hello' });
    expect(cannedVersion({}, ['en'])).toBeUndefined();
  });
});
