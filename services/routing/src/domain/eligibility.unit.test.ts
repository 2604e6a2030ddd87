import { judge, judgeFit, requirementFor, type Requirement } from './eligibility';
import type { QueuePolicy } from './policy';
import { agent, NOW, policy as basePolicy, waiting } from './routingFixtures';

const primaryOf = (tag: string) => tag.toLowerCase().split('-')[0]!;




const policy = (over: Partial<QueuePolicy> = {}): QueuePolicy => basePolicy({ requiredSkills: [{ name: 'billing', minLevel: 3 }], offerTimeoutSeconds: 30, ...over });

const req = (over: Partial<Requirement> = {}): Requirement => ({ channel: 'chat', skills: [], language: '', teamId: '', widened: false, ...over, primaryLanguage: primaryOf(over.language ?? '') });
const none = new Set<string>();

describe('requirementFor', () => {
  it('without a policy asks only for the channel, the conversation language and its team', () => {
    expect(requirementFor(waiting({ language: 'de', teamId: 'tier-2', channel: 'email' }), undefined, NOW)).toEqual({
      channel: 'email',
      skills: [],
      language: 'de',
      primaryLanguage: 'de',
      teamId: 'tier-2',
      widened: false,
    });
  });

  it("takes the queue's skills, and its language over the conversation's", () => {
    const p = policy({ language: 'es' });
    expect(requirementFor(waiting({ language: 'en' }), p, NOW)).toEqual({ channel: 'chat', skills: p.requiredSkills, language: 'es', primaryLanguage: 'es', teamId: '', widened: false });
  });

  it("falls back to the conversation's language when the queue names none", () => {
    expect(requirementFor(waiting({ language: 'fr' }), policy({ language: '' }), NOW).language).toBe('fr');
  });

  it("asks for the conversation's team after a transfer, else the queue's team", () => {
    expect(requirementFor(waiting({ teamId: 'tier-2' }), policy({ teamId: 'tier-1' }), NOW).teamId).toBe('tier-2');
    expect(requirementFor(waiting({ teamId: '' }), policy({ teamId: 'tier-1' }), NOW).teamId).toBe('tier-1');
  });

  describe('overflow that widens', () => {
    const p = policy({ language: 'es', teamId: 'tier-1', overflow: { afterSeconds: 60, widen: true, toQueueId: '' } });

    it('keeps skills and language until after_seconds have passed', () => {
      const r = requirementFor(waiting({ queuedAt: NOW - 59_999 }), p, NOW);
      expect(r.widened).toBe(false);
      expect(r.skills).toEqual(p.requiredSkills);
      expect(r.language).toBe('es');
    });

    it('drops skills and language once after_seconds have passed, but keeps the team', () => {
      expect(requirementFor(waiting({ queuedAt: NOW - 60_000 }), p, NOW)).toEqual({ channel: 'chat', skills: [], language: '', primaryLanguage: '', teamId: 'tier-1', widened: true });
    });

    it('does not widen a conversation whose queuedAt lies in the future', () => {
      expect(requirementFor(waiting({ queuedAt: NOW + 120_000 }), p, NOW).widened).toBe(false);
    });
  });

  it('never widens for overflow to another queue, nor when after_seconds is 0', () => {
    const hourAgo = waiting({ queuedAt: NOW - 3_600_000 });
    expect(requirementFor(hourAgo, policy({ overflow: { afterSeconds: 60, widen: false, toQueueId: 'backup' } }), NOW).widened).toBe(false);
    expect(requirementFor(hourAgo, policy({ overflow: { afterSeconds: 0, widen: true, toQueueId: '' } }), NOW).widened).toBe(false);
  });
});

describe('judge', () => {
  it('accepts an available agent who fits and has a free slot, natively', () => {
    expect(judge(agent('a1'), req({ language: 'en' }), none)).toEqual({ ok: true, viaTranslation: false });
  });

  it('passes over an agent who declined, whatever else is true of them', () => {
    const declined = new Set(['a1']);
    expect(judge(agent('a1'), req(), declined)).toEqual({ ok: false, why: 'declined' });
    expect(judge(agent('a1', { acceptsWork: false, onShift: false }), req(), declined)).toEqual({ ok: false, why: 'declined' });
    expect(judge(agent('a2'), req(), declined).ok).toBe(true);
  });

  it('tells an unavailable agent on shift from one off shift', () => {
    expect(judge(agent('a1', { acceptsWork: false, onShift: true }), req(), none)).toEqual({ ok: false, why: 'unavailable' });
    expect(judge(agent('a1', { acceptsWork: false, onShift: false }), req(), none)).toEqual({ ok: false, why: 'off_shift' });
  });

  it('excludes an agent at capacity on the channel, but not one busy on another channel', () => {
    expect(judge(agent('a1', { capacity: { chat: 2 }, load: { chat: 2 } }), req(), none)).toEqual({ ok: false, why: 'at_capacity' });
    expect(judge(agent('a1', { capacity: { chat: 2 }, load: { chat: 1 } }), req(), none).ok).toBe(true);
    expect(judge(agent('a1', { capacity: { chat: 2, email: 1 }, load: { email: 1 } }), req(), none).ok).toBe(true);
  });

  it('reports a misfit before a full load', () => {
    const full = { capacity: { chat: 1 }, load: { chat: 1 } };
    expect(judge(agent('a1', { ...full, skills: new Map() }), req({ skills: [{ name: 'billing', minLevel: 1 }] }), none)).toEqual({ ok: false, why: 'missing_skill' });
  });

  it('lets a non-speaker with translation enabled take it, marked as translated', () => {
    expect(judge(agent('a1', { languages: ['en'], translationEnabled: true }), req({ language: 'ja' }), none)).toEqual({ ok: true, viaTranslation: true });
  });
});

describe('judgeFit', () => {
  it('ignores status and load', () => {
    expect(judgeFit(agent('a1', { acceptsWork: false, onShift: false, load: { chat: 9 } }), req())).toEqual({ ok: true, viaTranslation: false });
  });

  it('requires membership of the team when one is asked for', () => {
    expect(judgeFit(agent('a1', { teamIds: ['tier-1'] }), req({ teamId: 'tier-2' }))).toEqual({ ok: false, why: 'other_team' });
    expect(judgeFit(agent('a1', { teamIds: ['tier-1', 'tier-2'] }), req({ teamId: 'tier-2' })).ok).toBe(true);
    expect(judgeFit(agent('a1', { teamIds: [] }), req({ teamId: '' })).ok).toBe(true);
  });

  it('requires capacity on the channel', () => {
    expect(judgeFit(agent('a1', { capacity: { email: 3 } }), req({ channel: 'chat' }))).toEqual({ ok: false, why: 'no_channel' });
    expect(judgeFit(agent('a1', { capacity: { chat: 0 } }), req({ channel: 'chat' }))).toEqual({ ok: false, why: 'no_channel' });
  });

  it('requires every skill at its minimum level', () => {
    const a = agent('a1', { skills: new Map([['billing', 3], ['refunds', 1]]) });
    expect(judgeFit(a, req({ skills: [{ name: 'billing', minLevel: 3 }] })).ok).toBe(true);
    expect(judgeFit(a, req({ skills: [{ name: 'billing', minLevel: 4 }] }))).toEqual({ ok: false, why: 'missing_skill' });
    expect(judgeFit(a, req({ skills: [{ name: 'billing', minLevel: 1 }, { name: 'refunds', minLevel: 2 }] }))).toEqual({ ok: false, why: 'missing_skill' });
    expect(judgeFit(a, req({ skills: [{ name: 'billing', minLevel: 1 }, { name: 'refunds', minLevel: 1 }] })).ok).toBe(true);
  });

  it('treats min level 0 as any level of a skill the agent has, not as no skill at all', () => {
    expect(judgeFit(agent('a1', { skills: new Map([['billing', 0]]) }), req({ skills: [{ name: 'billing', minLevel: 0 }] })).ok).toBe(true);
    expect(judgeFit(agent('a1', { skills: new Map() }), req({ skills: [{ name: 'billing', minLevel: 0 }] }))).toEqual({ ok: false, why: 'missing_skill' });
  });

  it('matches languages on the primary subtag', () => {
    expect(judgeFit(agent('a1', { languages: ['es'] }), req({ language: 'es-mx' }))).toEqual({ ok: true, viaTranslation: false });
    expect(judgeFit(agent('a1', { languages: ['pt-br'] }), req({ language: 'pt' }))).toEqual({ ok: true, viaTranslation: false });
    expect(judgeFit(agent('a1', { languages: ['en', 'fr'] }), req({ language: 'fr-CA' }))).toEqual({ ok: true, viaTranslation: false });
  });

  it('excludes a non-speaker without translation for language, and anyone speaks "no language"', () => {
    expect(judgeFit(agent('a1', { languages: ['en'], translationEnabled: false }), req({ language: 'de' }))).toEqual({ ok: false, why: 'language' });
    expect(judgeFit(agent('a1', { languages: [] }), req({ language: '' }))).toEqual({ ok: true, viaTranslation: false });
  });

  it('prefers the native verdict for a speaker even with translation enabled', () => {
    expect(judgeFit(agent('a1', { languages: ['de'], translationEnabled: true }), req({ language: 'de' }))).toEqual({ ok: true, viaTranslation: false });
  });

  it('checks team, then channel, then skills, then language', () => {
    const misfit = agent('a1', { teamIds: [], capacity: {}, skills: new Map(), languages: ['en'] });
    const all = req({ teamId: 't', skills: [{ name: 'x', minLevel: 1 }], language: 'de' });
    expect(judgeFit(misfit, all)).toEqual({ ok: false, why: 'other_team' });
    expect(judgeFit(misfit, { ...all, teamId: '' })).toEqual({ ok: false, why: 'no_channel' });
    expect(judgeFit({ ...misfit, capacity: { chat: 1 } }, { ...all, teamId: '' })).toEqual({ ok: false, why: 'missing_skill' });
    expect(judgeFit({ ...misfit, capacity: { chat: 1 } }, { ...all, teamId: '', skills: [] })).toEqual({ ok: false, why: 'language' });
  });
});
