import { cannedVersionFor } from './cannedResponses';

describe('canned response versions', () => {
  const canned = { id: 'greeting', versions: { en: 'Hi!', es: '¡Hola!', 'pt-PT': 'Olá!', 'es-MX': '¡Qué onda!', fr: ' ' } };

  it('prefers the exact tag, then the bare language, then any variant of it', () => {
    expect(cannedVersionFor(canned, 'es-MX')).toBe('¡Qué onda!');
    expect(cannedVersionFor(canned, 'ES-ar')).toBe('¡Hola!');
    expect(cannedVersionFor(canned, 'pt-BR')).toBe('Olá!');
  });

  it('has nothing for a language without a (non-blank) version', () => {
    expect(cannedVersionFor(canned, 'de')).toBeUndefined();
    expect(cannedVersionFor(canned, 'fr')).toBeUndefined();
  });

  it('never uses a version with placeholders: unfilled, it would show the reader "{{customer.name}}"', () => {
    const template = { id: 'hello-name', versions: { en: 'Hi {{customer.name}}!', es: '¡Hola {{customer.name | amigo}}!' } };
    expect(cannedVersionFor(template, 'es')).toBeUndefined();
    expect(cannedVersionFor(template, 'en')).toBeUndefined();
  });
});
