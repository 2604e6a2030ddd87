import type { Principal } from '../plugins/auth';
import { mayEverSee, mayFollowTenant, viewOf } from './visibility';

const agent: Principal = { tenantId: 'acme', subject: 'agent-1', roles: ['agent'] };
const alice: Principal = { tenantId: 'acme', subject: 'alice', roles: ['visitor'] };

describe('what a principal may see', () => {
  const note = { context: 'conversation', type: 'InternalNoteAdded' } as const;
  const posted = { context: 'conversation', type: 'MessagePosted' } as const;

  it('shows staff everything of their tenant as it is', () => {
    expect(viewOf(agent, note, undefined, { note: { text: 'VIP' } })).toEqual({ data: { note: { text: 'VIP' } } });
    expect(mayEverSee(agent, { context: 'routing', type: 'OfferMade' })).toBe(true);
  });

  it('shows a visitor only allowed types of their own conversations', () => {
    expect(viewOf(alice, posted, 'alice', { text: 'hi' })).toEqual({ data: { text: 'hi' } });
    expect(viewOf(alice, posted, 'bob', { text: 'hi' })).toBeUndefined();
    expect(viewOf(alice, posted, undefined, { text: 'hi' })).toBeUndefined();
    expect(viewOf(alice, note, 'alice', {})).toBeUndefined();
    expect(mayEverSee(alice, { context: 'routing', type: 'OfferMade' })).toBe(false);
    expect(mayEverSee(alice, { context: 'conversation', type: 'SomethingAddedLater' })).toBe(false);
  });

  it('drops internal fields for a visitor without touching the original', () => {
    const data = { conversationId: 'c', agentId: 'a', reason: 'least busy', decision: { score: 1 } };
    expect(viewOf(alice, { context: 'conversation', type: 'AgentAssigned' }, 'alice', data)).toEqual({ data: { conversationId: 'c', agentId: 'a' } });
    expect(data.decision).toEqual({ score: 1 });
  });

  it('sends a visitor the survey requests of their own conversations, without who sent them', () => {
    const survey = { conversationId: 'c', surveyId: 'post-chat', questions: [{ questionId: 'csat', text: '¿Satisfecha?' }], requestedBy: 'agent-7' };
    expect(viewOf(alice, { context: 'conversation', type: 'SurveyRequested' }, 'alice', survey)).toEqual({ data: { conversationId: 'c', surveyId: 'post-chat', questions: survey.questions } });
    expect(viewOf(alice, { context: 'conversation', type: 'SurveyRequested' }, 'bob', survey)).toBeUndefined();
  });
});

describe('mayFollowTenant', () => {
  it('lets supervisors and admins follow the whole tenant, not agents or visitors', () => {
    expect(mayFollowTenant({ tenantId: 'acme', subject: 's', roles: ['supervisor'] })).toBe(true);
    expect(mayFollowTenant({ tenantId: 'acme', subject: 'a', roles: ['admin'] })).toBe(true);
    expect(mayFollowTenant(agent)).toBe(false);
    expect(mayFollowTenant(alice)).toBe(false);
  });
});
