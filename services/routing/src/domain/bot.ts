import { primaryLanguage } from '@contactcenter/infra';
import { matchFaq, words, type FaqEntry } from './faq';

/** What the after-hours bot wants done; the runner posts and converts. */
export type BotIntent =
  | { kind: 'post'; clientMessageId: string; text: string }
  | { kind: 'ticket'; clientMessageId: string; text: string };

interface Texts {
  noAgent: string;
  wait: (minutes: number) => string;
  offerTicket: string;
  ticketOpened: string;
  handover: string;
  ticketWords: string[];
}

const TEXTS: Record<string, Texts> = {
  en: {
    noAgent: 'No agent is available right now.',
    wait: (m) => `The expected wait is about ${m} minute${m === 1 ? '' : 's'}; you can keep writing meanwhile.`,
    offerTicket: 'Reply "ticket" and we will follow up by email as soon as we are back.',
    ticketOpened: 'Thank you: we opened a ticket and will follow up by email.',
    handover: 'An agent has joined the conversation.',
    ticketWords: ['ticket'],
  },
  es: {
    noAgent: 'Ahora mismo no hay ningún agente disponible.',
    wait: (m) => `La espera estimada es de unos ${m} minuto${m === 1 ? '' : 's'}; mientras tanto puede seguir escribiendo.`,
    offerTicket: 'Responda "ticket" y le contestaremos por correo electrónico en cuanto volvamos.',
    ticketOpened: 'Gracias: hemos abierto un ticket y le contestaremos por correo electrónico.',
    handover: 'Un agente se ha unido a la conversación.',
    ticketWords: ['ticket', 'tique'],
  },
  pt: {
    noAgent: 'Nenhum agente está disponível neste momento.',
    wait: (m) => `A espera estimada é de cerca de ${m} minuto${m === 1 ? '' : 's'}; pode continuar a escrever.`,
    offerTicket: 'Responda "ticket" e entraremos em contato por e-mail assim que voltarmos.',
    ticketOpened: 'Obrigado: abrimos um ticket e entraremos em contato por e-mail.',
    handover: 'Um agente entrou na conversa.',
    ticketWords: ['ticket', 'chamado'],
  },
  fr: {
    noAgent: "Aucun agent n'est disponible pour le moment.",
    wait: (m) => `L'attente estimée est d'environ ${m} minute${m === 1 ? '' : 's'} ; vous pouvez continuer à écrire.`,
    offerTicket: 'Répondez « ticket » et nous vous recontacterons par e-mail dès notre retour.',
    ticketOpened: 'Merci : nous avons ouvert un ticket et vous recontacterons par e-mail.',
    handover: 'Un agent a rejoint la conversation.',
    ticketWords: ['ticket'],
  },
  de: {
    noAgent: 'Gerade ist kein Mitarbeiter erreichbar.',
    wait: (m) => `Die erwartete Wartezeit beträgt etwa ${m} Minute${m === 1 ? '' : 'n'}; Sie können inzwischen weiterschreiben.`,
    offerTicket: 'Antworten Sie mit „Ticket“, dann melden wir uns per E-Mail, sobald wir zurück sind.',
    ticketOpened: 'Danke: Wir haben ein Ticket eröffnet und melden uns per E-Mail.',
    handover: 'Ein Mitarbeiter ist dem Gespräch beigetreten.',
    ticketWords: ['ticket'],
  },
};

const textsFor = (language: string): Texts => TEXTS[primaryLanguage(language || 'en')] ?? TEXTS.en!;

/**
 * The bot's first words to a conversation nobody on shift can take: the
 * expected wait when there is one, otherwise the offer of a ticket. Its
 * client message id makes a repeat (another replica, a retry) a no-op.
 */
export function greet(language: string, etaSeconds: number | undefined): BotIntent {
  const t = textsFor(language);
  const next = etaSeconds === undefined ? t.offerTicket : t.wait(Math.max(1, Math.ceil(etaSeconds / 60)));
  return { kind: 'post', clientMessageId: 'bot-greeting', text: `${t.noAgent} ${next}` };
}

/** The bot's answer to a customer message while nobody on shift can take the conversation. */
export function answer(entries: readonly FaqEntry[], message: { messageId: string; text: string }, language: string, ticketOpen: boolean): BotIntent[] {
  const t = textsFor(language);
  const said = words(message.text);
  if (!ticketOpen && t.ticketWords.some((w) => said.has(w))) {
    return [{ kind: 'ticket', clientMessageId: `bot-ticket-${message.messageId}`, text: t.ticketOpened }];
  }
  const entry = matchFaq(entries, message.text, language);
  return entry ? [{ kind: 'post', clientMessageId: `bot-faq-${message.messageId}`, text: entry.answer }] : [];
}

/** Said once when a human takes over a conversation the bot had answered. */
export function handover(language: string, assignment: string): BotIntent {
  return { kind: 'post', clientMessageId: `bot-handover-${assignment}`, text: textsFor(language).handover };
}
