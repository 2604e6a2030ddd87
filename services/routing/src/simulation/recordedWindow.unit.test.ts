import { foldRecordedWindow, profileFacts, type RecordedEvent } from './recordedWindow';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const S = 1_000;
const iso = (s: number) => new Date(T0 + s * S).toISOString();
const at = (s: number) => T0 + s * S;

const c = (type: string, s: number, data: Record<string, unknown>): RecordedEvent => ({ context: 'conversation', type, at: at(s), data: { occurredAt: iso(s), ...data } });
const p = (type: string, s: number, data: Record<string, unknown>): RecordedEvent => ({ context: 'presence', type, at: at(s), data });
const profile = { agentId: 'ana', skills: [{ name: 'billing', level: 5 }], languages: ['en-GB'], capacity: { chat: 2 }, teamIds: [], translationEnabled: false };

describe('foldRecordedWindow', () => {
  const events: RecordedEvent[] = [
    p('AgentProfileUpdated', -600, { agentId: 'ana', profile }),
    p('AgentStatusChanged', -500, { agentId: 'ana', to: 'online' }),
    p('AgentConnected', -500, { agentId: 'ana', connectionId: 'desk' }),
    p('CapacityReserved', -300, { agentId: 'ana', conversationId: 'old', channel: 'chat' }),
    c('ConversationStarted', -20, { conversationId: 'a', channel: 'CHANNEL_CHAT', language: 'EN' }),
    c('ConversationQueued', 10, { conversationId: 'a', queueId: 'support' }),
    c('AgentAssigned', 25, { conversationId: 'a', agentId: 'ana' }),
    c('MessagePosted', 32, { conversationId: 'a', message: { authorKind: 'AUTHOR_KIND_AGENT', text: 'hi' } }),
    p('CapacityReleased', 40, { agentId: 'ana', conversationId: 'old', channel: 'chat' }),
    c('ConversationStarted', 50, { conversationId: 'b', channel: 'CHANNEL_CHAT', language: 'de' }),
    c('ConversationQueued', 60, { conversationId: 'b', queueId: 'support' }),
    c('ConversationResolved', 90, { conversationId: 'b' }),
    p('AgentDisconnected', 100, { agentId: 'ana', connectionId: 'desk' }),
    c('ConversationResolved', 205, { conversationId: 'a' }),
    p('AgentConnected', 300, { agentId: 'ana', connectionId: 'desk2' }),
    c('ConversationStarted', 3_700, { conversationId: 'late', channel: 'CHANNEL_CHAT', language: 'en' }),
  ];

  it('takes arrivals, handle times, reply delays, patience and working time from the events', () => {
    const w = foldRecordedWindow(events, at(0), at(3_600));
    expect(w.conversations).toEqual([
      { conversationId: 'a', queueId: 'support', channel: 'chat', language: 'en', priority: 0, queuedAt: at(10), assignedAt: at(25), agentId: 'ana', replyDelayMs: 7 * S, handleMs: 180 * S },
      { conversationId: 'b', queueId: 'support', channel: 'chat', language: 'de', priority: 0, queuedAt: at(60), abandonedAfterMs: 30 * S },
    ]);
    expect(w.agents).toEqual([
      {
        agentId: 'ana',
        profile: profileFacts(profile),
        // At work before the window opened: from its start; again after reconnecting, to its end.
        available: [{ from: at(0), to: at(100) }, { from: at(300), to: at(3_600) }],
        carried: [{ channel: 'chat', until: at(40) }],
      },
    ]);
  });

  it('uses the profile presence holds now for an agent whose profile predates the events read', () => {
    const w = foldRecordedWindow(events.slice(1), at(0), at(3_600), new Map([['ana', profileFacts(profile)]]));
    expect(w.agents.map((a) => a.agentId)).toEqual(['ana']);
    expect(foldRecordedWindow(events.slice(1), at(0), at(3_600)).agents).toEqual([]);
  });
});
