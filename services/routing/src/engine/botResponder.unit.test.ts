import type { FaqEntry } from '../domain/faq';
import { BotResponder } from './botResponder';
import type { ConversationFacts } from './conversationFeed';

const facts = (over: Partial<ConversationFacts> = {}): ConversationFacts => ({
  tenantId: 't1',
  conversationId: 'c1',
  channel: 'chat',
  language: 'es',
  priority: 2,
  status: 'queued',
  queueId: 'support',
  teamId: '',
  queuedAt: 1,
  agentId: '',
  agentRegion: '',
  ticketOpen: false,
  botSpoke: false,
  ...over,
});

const FAQ: FaqEntry[] = [{ entryId: 'hours', language: 'es', question: '¿Cuál es el horario?', answer: 'Abrimos de 9 a 18.', keywords: ['horario'] }];

function setUp(eta: number | undefined = undefined) {
  const said: string[] = [];
  const bot = new BotResponder({
    peer: {
      postBotMessage: async (_t, _c, clientMessageId, text) => void said.push(`${clientMessageId}: ${text}`),
      convertToTicket: async () => void said.push('ticket'),
    },
    faq: async () => FAQ,
    estimate: async () => eta,
  });
  return { bot, said };
}

describe('BotResponder', () => {
  it('greets a conversation once per waiting spell, in its language, offering a ticket when nobody works', async () => {
    const { bot, said } = setUp(undefined);
    await bot.afterHours(facts());
    await bot.afterHours(facts());
    expect(said).toEqual([expect.stringMatching(/^bot-greeting: Ahora mismo no hay ningún agente disponible\. Responda "ticket"/)]);
    bot.forget('t1', 'c1');
    await bot.afterHours(facts());
    expect(said).toHaveLength(2);
  });

  it('gives the expected wait when there is one', async () => {
    const { bot, said } = setUp(150);
    await bot.afterHours(facts({ language: 'en' }));
    expect(said).toEqual(['bot-greeting: No agent is available right now. The expected wait is about 3 minutes; you can keep writing meanwhile.']);
  });

  it('answers from the FAQ, and opens a ticket when asked', async () => {
    const { bot, said } = setUp();
    await bot.customerMessage(facts(), { messageId: 'm1', text: '¿qué horario tienen?' });
    await bot.customerMessage(facts(), { messageId: 'm2', text: 'quiero un ticket' });
    expect(said).toEqual(['bot-faq-m1: Abrimos de 9 a 18.', 'ticket', 'bot-ticket-m2: Gracias: hemos abierto un ticket y le contestaremos por correo electrónico.']);
  });

  it('says an agent joined only where it spoke', async () => {
    const { bot, said } = setUp();
    await bot.assigned(facts({ botSpoke: false }), '7');
    await bot.assigned(facts({ botSpoke: true }), '9');
    expect(said).toEqual(['bot-handover-9: Un agente se ha unido a la conversación.']);
  });

  it('keeps quiet on email: the customer is answered by a person within the queue\'s service level', async () => {
    const { bot, said } = setUp(undefined);
    await bot.afterHours(facts({ channel: 'email' }));
    await bot.customerMessage(facts({ channel: 'email' }), { messageId: 'm1', text: '¿qué horario tienen?' });
    await bot.afterHours(facts({ channel: 'social' }));
    expect(said).toEqual([expect.stringMatching(/^bot-greeting: /)]);
  });
});
