import { answer, greet, handover } from './bot';
import type { FaqEntry } from './faq';

const ENTRIES: FaqEntry[] = [
  { entryId: 'en-hours', language: 'en', question: 'What are your opening hours?', answer: 'We are open 9 to 5.', keywords: ['hours', 'open'] },
  { entryId: 'es-hours', language: 'es', question: '¿Cuál es el horario de atención?', answer: 'Abrimos de 9 a 17.', keywords: ['horario'] },
];

describe('greet', () => {
  it('offers a ticket when there is no expected wait', () => {
    expect(greet('en', undefined)).toEqual({
      kind: 'post',
      clientMessageId: 'bot-greeting',
      text: 'No agent is available right now. Reply "ticket" and we will follow up by email as soon as we are back.',
    });
  });

  it('gives the expected wait in whole minutes, rounded up, at least one', () => {
    expect(greet('en', 90).text).toBe('No agent is available right now. The expected wait is about 2 minutes; you can keep writing meanwhile.');
    expect(greet('en', 60).text).toMatch(/about 1 minute;/);
    expect(greet('en', 0).text).toMatch(/about 1 minute;/);
    expect(greet('en', 61).text).toMatch(/about 2 minutes;/);
  });

  it("speaks the conversation's language, falling back to English", () => {
    expect(greet('es-MX', undefined).text).toBe('Ahora mismo no hay ningún agente disponible. Responda "ticket" y le contestaremos por correo electrónico en cuanto volvamos.');
    expect(greet('de', 120).text).toBe('Gerade ist kein Mitarbeiter erreichbar. Die erwartete Wartezeit beträgt etwa 2 Minuten; Sie können inzwischen weiterschreiben.');
    expect(greet('ja', undefined)).toEqual(greet('en', undefined));
    expect(greet('', 300)).toEqual(greet('en', 300));
  });

  it('uses one client message id, so a repeat greeting is a no-op', () => {
    expect(greet('fr', 30).clientMessageId).toBe('bot-greeting');
    expect(greet('pt', undefined).clientMessageId).toBe('bot-greeting');
  });
});

describe('answer', () => {
  it("opens a ticket when the customer writes 'ticket' and none is open", () => {
    expect(answer(ENTRIES, { messageId: 'm1', text: 'Ticket please' }, 'en', false)).toEqual([
      { kind: 'ticket', clientMessageId: 'bot-ticket-m1', text: 'Thank you: we opened a ticket and will follow up by email.' },
    ]);
  });

  it("does not open a second ticket: 'ticket' then goes to the FAQ like any message", () => {
    expect(answer(ENTRIES, { messageId: 'm2', text: 'ticket' }, 'en', true)).toEqual([]);
    expect(answer(ENTRIES, { messageId: 'm3', text: 'ticket: what are your opening hours?' }, 'en', true)).toEqual([
      { kind: 'post', clientMessageId: 'bot-faq-m3', text: 'We are open 9 to 5.' },
    ]);
  });

  it('knows the ticket words of each language', () => {
    expect(answer(ENTRIES, { messageId: 'm1', text: 'quiero un tique' }, 'es', false)).toEqual([
      { kind: 'ticket', clientMessageId: 'bot-ticket-m1', text: 'Gracias: hemos abierto un ticket y le contestaremos por correo electrónico.' },
    ]);
    expect(answer(ENTRIES, { messageId: 'm1', text: 'abrir chamado' }, 'pt-BR', false)[0]?.kind).toBe('ticket');
    expect(answer(ENTRIES, { messageId: 'm1', text: 'a tique' }, 'en', false)).toEqual([]);
  });

  it('answers from the FAQ of its own language only', () => {
    expect(answer(ENTRIES, { messageId: 'm4', text: '¿cuál es el horario?' }, 'es', false)).toEqual([{ kind: 'post', clientMessageId: 'bot-faq-m4', text: 'Abrimos de 9 a 17.' }]);
    expect(answer(ENTRIES, { messageId: 'm5', text: 'opening hours' }, 'es', false)).toEqual([]);
  });

  it('says nothing when nothing matches', () => {
    expect(answer(ENTRIES, { messageId: 'm6', text: 'my parcel is lost' }, 'en', false)).toEqual([]);
  });
});

describe('handover', () => {
  it('derives its id from the assignment, so a repeat is a no-op and each assignment gets one', () => {
    expect(handover('en', 'asg-1')).toEqual({ kind: 'post', clientMessageId: 'bot-handover-asg-1', text: 'An agent has joined the conversation.' });
    expect(handover('en', 'asg-1')).toEqual(handover('en', 'asg-1'));
    expect(handover('en', 'asg-2').clientMessageId).toBe('bot-handover-asg-2');
  });

  it("speaks the conversation's language", () => {
    expect(handover('es-ES', 'a').text).toBe('Un agente se ha unido a la conversación.');
    expect(handover('fr', 'a').text).toBe('Un agent a rejoint la conversation.');
    expect(handover('xx', 'a').text).toBe('An agent has joined the conversation.');
  });
});
