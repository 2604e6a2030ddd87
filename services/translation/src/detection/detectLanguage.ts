/**
 * Offline language detection with eld (Efficient Language Detector, n-gram
 * tables shipped in the npm package; no network, no model download).
 * eld is ESM-only: it is loaded with `importEsm` (see there why).
 */
import { importEsm } from '@contactcenter/infra/importEsm';

export interface DetectedLanguage {
  /** A BCP 47 tag (ISO 639-1 where one exists): `en`, `es`. */
  language: string;
  /** eld's score for it, 0–1; higher is surer. */
  confidence: number;
}

export interface LanguageDetector {
  /** Undefined when the text is too short or too ambiguous to tell: keep the language already known. */
  detect(text: string): DetectedLanguage | undefined;
}

/** Fewer letters than this and no detector is reliable ("ok", "gracias!" are shared across languages). */
export const MIN_LETTERS = 12;
/** Below this score eld is guessing. */
export const MIN_CONFIDENCE = 0.5;

interface Eld {
  detect(text: string): { language: string; getScores(): Record<string, number>; isReliable(): boolean };
}

/**
 * Loads eld's `small` table (1.6 MB, about 0.5 s once per process; `medium`
 * and `large` are slower to load and barely better on chat-length text).
 *
 * @example
 *   const detector = await loadLanguageDetector();
 *   detector.detect('Hola, necesito ayuda con mi pedido'); // { language: 'es', confidence: 0.8 }
 *   detector.detect('ok');                                 // undefined
 */
export async function loadLanguageDetector(options: { minLetters?: number; minConfidence?: number } = {}): Promise<LanguageDetector> {
  const mod = (await importEsm('eld/small')) as { eld: Eld };
  return languageDetector(mod.eld, options);
}

/** The thresholds around a loaded eld instance; separate so the rules are testable with any detector. */
export function languageDetector(eld: Eld, { minLetters = MIN_LETTERS, minConfidence = MIN_CONFIDENCE } = {}): LanguageDetector {
  return {
    detect(text) {
      const letters = text.match(/\p{L}/gu)?.length ?? 0;
      if (letters < minLetters) return undefined;
      const result = eld.detect(text);
      if (!result.language || !result.isReliable()) return undefined;
      const confidence = result.getScores()[result.language] ?? 0;
      return confidence >= minConfidence ? { language: result.language, confidence } : undefined;
    },
  };
}
