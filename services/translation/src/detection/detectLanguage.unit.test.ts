import { loadLanguageDetector, type LanguageDetector } from './detectLanguage';

describe('offline language detection (eld)', () => {
  let detector: LanguageDetector;
  beforeAll(async () => {
    detector = await loadLanguageDetector();
  });

  it('detects chat-length messages', () => {
    expect(detector.detect('Hola, necesito ayuda con mi pedido por favor')).toMatchObject({ language: 'es' });
    expect(detector.detect('Hello, I need help with my order please')).toMatchObject({ language: 'en' });
    expect(detector.detect('Bonjour, je voudrais annuler ma commande')).toMatchObject({ language: 'fr' });
    expect(detector.detect('Olá, preciso de ajuda com o meu pedido')).toMatchObject({ language: 'pt' });
    const { confidence } = detector.detect('Hello, I need help with my order please')!;
    expect(confidence).toBeGreaterThan(0.5);
    expect(confidence).toBeLessThanOrEqual(1);
  });

  it('says nothing about short or ambiguous text, so the caller keeps the language it had', () => {
    for (const text of ['ok', 'gracias!', 'thx', '👍👍', '12345 678', 'Acme X200']) expect(detector.detect(text)).toBeUndefined();
  });
});
