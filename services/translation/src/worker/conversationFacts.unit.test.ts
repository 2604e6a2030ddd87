import { ConversationFacts } from './conversationFacts';

describe('ConversationFacts', () => {
  it("lets a language this worker set win over the one a message posted before the change carries, not after", () => {
    const facts = new ConversationFacts(async () => '');
    expect(facts.customerLanguage('acme', 'c-1', 4, 'en')).toBe('en');
    facts.languageSet('acme', 'c-1', 'es', 6);
    expect(facts.customerLanguage('acme', 'c-1', 5, 'en')).toBe('es'); // posted before the change
    expect(facts.customerLanguage('acme', 'c-1', 7, 'pt')).toBe('pt'); // posted after: its own word is newer
    expect(facts.customerLanguage('globex', 'c-1', 5, 'en')).toBe('en');
  });

  it("asks presence for an agent's language once per TTL", async () => {
    let asked = 0;
    let now = 0;
    const facts = new ConversationFacts(async (_t, agentId) => (asked++, agentId === 'ana' ? 'es' : 'en'), { agentTtlMs: 1_000, now: () => now });
    expect(await facts.agentLanguage('acme', 'ana')).toBe('es');
    expect(await facts.agentLanguage('acme', 'ana')).toBe('es');
    expect(asked).toBe(1);
    now = 1_001;
    expect(await facts.agentLanguage('acme', 'ana')).toBe('es');
    expect(asked).toBe(2);
  });
});
