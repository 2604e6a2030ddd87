import { validationFieldOf } from '../../../../test/support/validation';
import { IllegalStateError, ValidationError } from '@contactcenter/infra/errors';
import { availability, heartbeat, loadOf, newRecord, release, reserve, setStatus, sweep, validateProfile, type Profile } from './agent';

const profile = (overrides: Partial<Profile> = {}): Profile => ({
  agentId: 'agent-7',
  displayName: 'Ana',
  skills: [{ name: 'billing', level: 7 }],
  languages: ['pt-BR', 'en'],
  capacity: { chat: 2, email: 5 },
  calendar: null,
  translationEnabled: false,
  teamIds: ['tier-1'],
  ...overrides,
});
const TIMEOUT = 30_000;
const none = new Map<string, boolean>();
const online = (at = 0) => {
  const started = newRecord('acme', profile(), at).record;
  return heartbeat(setStatus(started, 'online', '', none, at).record, 'tab-1', at).record;
};
const fieldOf = validationFieldOf;

describe('agent profile validation', () => {
  it('names the bad field', () => {
    expect(fieldOf(() => validateProfile(profile({ capacity: { chat: -1 } })))).toBe('profile.capacity[chat]');
    expect(fieldOf(() => validateProfile(profile({ capacity: { fax: 1 } as never })))).toBe('profile.capacity[fax]');
    expect(fieldOf(() => validateProfile(profile({ skills: [{ name: 'billing', level: 11 }] })))).toBe('profile.skills[0].level');
    expect(fieldOf(() => validateProfile(profile({ skills: [{ name: 'billing', level: 0 }] })))).toBe('profile.skills[0].level');
    expect(fieldOf(() => validateProfile(profile({ skills: [{ name: 'a', level: 1 }, { name: 'a', level: 2 }] })))).toBe('profile.skills[1].name');
    expect(fieldOf(() => validateProfile(profile({ languages: ['english'] })))).toBe('profile.languages[0]');
    expect(fieldOf(() => validateProfile(profile({ agentId: 'a.b' })))).toBe('profile.agent_id');
    expect(fieldOf(() => validateProfile(profile({ calendar: { timeZone: 'Nowhere/City', shifts: [], holidays: [] } })))).toBe('profile.calendar.time_zone');
  });

  it('normalises language tags to lower case', () => {
    expect(validateProfile(profile()).languages).toEqual(['pt-br', 'en']);
  });
});

describe('agent transitions', () => {
  it('starts offline and does not accept work until online with a live connection', () => {
    const { record, changes } = newRecord('acme', profile(), 0);
    expect(changes.map((c) => c.type)).toEqual(['AgentProfileUpdated']);
    expect(availability(record, none, TIMEOUT, 0)).toMatchObject({ acceptsWork: false, reason: 'status offline' });
    const on = setStatus(record, 'online', '', none, 0).record;
    expect(availability(on, none, TIMEOUT, 0)).toMatchObject({ acceptsWork: false, reason: 'no live connection' });
    expect(availability(online(), none, TIMEOUT, 0)).toMatchObject({ acceptsWork: true, reason: '' });
  });

  it('goes away when the last connection stops beating, and comes back on the next beat', () => {
    const agent = online(0);
    expect(sweep(agent, TIMEOUT, TIMEOUT - 1).changes).toEqual([]);
    const swept = sweep(agent, TIMEOUT, TIMEOUT);
    expect(swept.changes.map((c) => c.type)).toEqual(['AgentDisconnected', 'AgentStatusChanged']);
    expect(swept.record).toMatchObject({ status: 'away', autoAway: { status: 'online' }, connections: {} });
    const back = heartbeat(swept.record, 'tab-2', TIMEOUT + 5);
    expect(back.record.status).toBe('online');
    expect(back.changes).toContainEqual({ type: 'AgentStatusChanged', data: expect.objectContaining({ to: 'online', reason: 'reconnected' }) });
  });

  it('keeps the agent while one of several connections still beats, and a manual away is not undone by a beat', () => {
    let agent = heartbeat(online(0), 'tab-2', 20_000).record;
    const swept = sweep(agent, TIMEOUT, TIMEOUT + 1);
    expect(swept.record.status).toBe('online');
    expect(Object.keys(swept.record.connections)).toEqual(['tab-2']);
    agent = setStatus(swept.record, 'away', '', none, TIMEOUT + 2).record;
    expect(heartbeat(agent, 'tab-2', TIMEOUT + 3).record.status).toBe('away');
  });

  it('accepts tenant statuses only when defined, and follows whether they accept work', () => {
    const catalog = new Map([['lunch', false], ['back-office', true]]);
    expect(() => setStatus(online(), 'custom', 'gym', catalog, 1)).toThrow(ValidationError);
    const lunch = setStatus(online(), 'custom', 'lunch', catalog, 1).record;
    expect(availability(lunch, catalog, TIMEOUT, 1)).toMatchObject({ acceptsWork: false, reason: 'status lunch does not accept work' });
    const office = setStatus(online(), 'custom', 'back-office', catalog, 1).record;
    expect(availability(office, catalog, TIMEOUT, 1).acceptsWork).toBe(true);
  });

  it('reserves capacity per channel, never above it, once per conversation', () => {
    let agent = online(0);
    const ok = () => availability(agent, none, TIMEOUT, 1);
    agent = reserve(agent, 'c1', 'chat', ok(), 1).record;
    expect(reserve(agent, 'c1', 'chat', ok(), 2).changes).toEqual([]);
    agent = reserve(agent, 'c2', 'chat', ok(), 2).record;
    expect(() => reserve(agent, 'c3', 'chat', ok(), 3)).toThrow(IllegalStateError);
    expect(() => reserve(agent, 'c3', 'phone', ok(), 3)).toThrow(/at capacity on phone \(0 of 0\)/);
    agent = reserve(agent, 'e1', 'email', ok(), 3).record;
    expect([loadOf(agent, 'chat'), loadOf(agent, 'email')]).toEqual([2, 1]);
    agent = release(agent, 'c1', 4).record;
    expect(loadOf(agent, 'chat')).toBe(1);
    expect(release(agent, 'c1', 5).changes).toEqual([]);
  });

  it('refuses a reservation for an agent that does not accept work, and tracks idle time', () => {
    const away = setStatus(online(0), 'away', '', none, 1).record;
    expect(() => reserve(away, 'c1', 'chat', availability(away, none, TIMEOUT, 1), 1)).toThrow(/does not accept work \(status away\)/);
    let agent = online(0);
    agent = reserve(agent, 'c1', 'chat', availability(agent, none, TIMEOUT, 10), 10).record;
    expect(agent.lastAssignedAt).toBe(10);
    agent = release(agent, 'c1', 50).record;
    expect(agent.idleSince).toBe(50);
  });
});
