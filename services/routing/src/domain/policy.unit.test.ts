import { ValidationError } from '@contactcenter/infra/errors';
import { validationFieldOf } from '../../../../test/support/validation';
import { policyVersion, requireToken, validateQueue, validateTeam, type QueuePolicy, type Team } from './policy';

type QueueInput = Omit<QueuePolicy, 'revision'>;

const queue = (over: Partial<QueueInput> = {}): QueueInput => ({
  queueId: 'support',
  name: 'Support',
  channel: 'chat',
  requiredSkills: [{ name: 'billing', minLevel: 3 }],
  language: '',
  priority: 2,
  strategy: 'longest_idle',
  offerTimeoutSeconds: 30,
  agingSeconds: 60,
  overflow: { afterSeconds: 0, widen: false, toQueueId: '' },
  averageHandleSeconds: 300,
  teamId: '',
  ...over,
});

const overflow = (o: Partial<QueueInput['overflow']>): QueueInput['overflow'] => ({ afterSeconds: 0, widen: false, toQueueId: '', ...o });
const officeHours = { timeZone: 'Europe/Berlin', intervals: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00', endsNextDay: false })), holidays: ['2025-12-25'] };
const sla = (target: number, businessHours: Partial<typeof officeHours> | undefined = officeHours) => ({ serviceLevel: { firstReplyTargetSeconds: target, businessHours: businessHours && { ...officeHours, ...businessHours } } });

describe('validateQueue', () => {
  it('accepts a well-formed queue and returns it with the language lower-cased', () => {
    const input = queue({ language: 'pt-BR' });
    const valid = validateQueue(input);
    expect(valid).toEqual({ ...input, language: 'pt-br' });
    expect(input.language).toBe('pt-BR');
  });

  it('keeps a service level as given, and adds none to a queue without one', () => {
    const input = queue(sla(4 * 3_600));
    expect(validateQueue(input)).toEqual(input);
    expect('serviceLevel' in validateQueue(queue())).toBe(false);
  });

  it.each<[string, Partial<QueueInput>, string]>([
    ['an empty queue id', { queueId: '' }, 'queue.queue_id'],
    ['a queue id with a space', { queueId: 'my queue' }, 'queue.queue_id'],
    ['a queue id of 65 characters', { queueId: 'q'.repeat(65) }, 'queue.queue_id'],
    ['a name of 201 characters', { name: 'n'.repeat(201) }, 'queue.name'],
    ['an unknown channel', { channel: 'fax' as QueueInput['channel'] }, 'queue.channel'],
    ['an upper-case skill name', { requiredSkills: [{ name: 'Billing', minLevel: 1 }] }, 'queue.required_skills[0].name'],
    ['an empty skill name', { requiredSkills: [{ name: '', minLevel: 1 }] }, 'queue.required_skills[0].name'],
    ['a skill name starting with "-"', { requiredSkills: [{ name: '-billing', minLevel: 1 }] }, 'queue.required_skills[0].name'],
    ['skill level 11', { requiredSkills: [{ name: 'billing', minLevel: 11 }] }, 'queue.required_skills[0].min_level'],
    ['skill level -1', { requiredSkills: [{ name: 'billing', minLevel: -1 }] }, 'queue.required_skills[0].min_level'],
    ['a fractional skill level', { requiredSkills: [{ name: 'billing', minLevel: 2.5 }] }, 'queue.required_skills[0].min_level'],
    ['a bad level on the second skill', { requiredSkills: [{ name: 'billing', minLevel: 1 }, { name: 'refunds', minLevel: 11 }] }, 'queue.required_skills[1].min_level'],
    ['a skill listed twice', { requiredSkills: [{ name: 'billing', minLevel: 1 }, { name: 'billing', minLevel: 2 }] }, 'queue.required_skills[1].name'],
    ['a language that is not a tag', { language: 'english' }, 'queue.language'],
    ['a language with an underscore', { language: 'en_US' }, 'queue.language'],
    ['priority 0', { priority: 0 }, 'queue.priority'],
    ['priority 5', { priority: 5 }, 'queue.priority'],
    ['a fractional priority', { priority: 2.5 }, 'queue.priority'],
    ['an unknown strategy', { strategy: 'random' as QueueInput['strategy'] }, 'queue.strategy'],
    ['a negative offer timeout', { offerTimeoutSeconds: -1 }, 'queue.offer_timeout_seconds'],
    ['an offer timeout above an hour', { offerTimeoutSeconds: 3_601 }, 'queue.offer_timeout_seconds'],
    ['manual pick with offer timeout 0', { strategy: 'manual_pick', offerTimeoutSeconds: 0 }, 'queue.offer_timeout_seconds'],
    ['negative aging', { agingSeconds: -1 }, 'queue.aging_seconds'],
    ['aging above a day', { agingSeconds: 86_401 }, 'queue.aging_seconds'],
    ['overflow after more than a week', { overflow: overflow({ afterSeconds: 7 * 86_400 + 1, widen: true }) }, 'queue.overflow.after_seconds'],
    ['negative overflow delay', { overflow: overflow({ afterSeconds: -1, widen: true }) }, 'queue.overflow.after_seconds'],
    ['a malformed overflow queue id', { overflow: overflow({ afterSeconds: 60, toQueueId: 'other queue' }) }, 'queue.overflow.to_queue_id'],
    ['overflow into itself', { overflow: overflow({ afterSeconds: 60, toQueueId: 'support' }) }, 'queue.overflow.to_queue_id'],
    ['overflow into itself even with after_seconds 0', { overflow: overflow({ toQueueId: 'support' }) }, 'queue.overflow.to_queue_id'],
    ['overflow with neither widen nor a target', { overflow: overflow({ afterSeconds: 60 }) }, 'queue.overflow'],
    ['widen together with to_queue_id', { overflow: overflow({ afterSeconds: 60, widen: true, toQueueId: 'backup' }) }, 'queue.overflow'],
    ['widen together with to_queue_id, after_seconds 0', { overflow: overflow({ widen: true, toQueueId: 'backup' }) }, 'queue.overflow'],
    ['a negative average handle time', { averageHandleSeconds: -1 }, 'queue.average_handle_seconds'],
    ['an average handle time above a day', { averageHandleSeconds: 86_401 }, 'queue.average_handle_seconds'],
    ['a malformed team id', { teamId: 'team one' }, 'queue.team_id'],
    ['a negative first-reply target', sla(-1), 'queue.service_level.first_reply_target_seconds'],
    ['a first-reply target of 0', sla(0, undefined), 'queue.service_level.first_reply_target_seconds'],
    ['a first-reply target above 30 days', sla(30 * 86_400 + 1), 'queue.service_level.first_reply_target_seconds'],
    ['business hours in an unknown zone', sla(14_400, { timeZone: 'Europe/Atlantis' }), 'queue.service_level.business_hours.time_zone'],
    ['business hours with no interval', sla(14_400, { intervals: [] }), 'queue.service_level.business_hours.intervals'],
    ['an inverted business interval', sla(14_400, { intervals: [{ day: 1, start: '17:00', end: '09:00', endsNextDay: false }] }), 'queue.service_level.business_hours.intervals[0].end'],
    ['overlapping business intervals', sla(14_400, { intervals: [...officeHours.intervals, { day: 1, start: '16:00', end: '18:00', endsNextDay: false }] }), 'queue.service_level.business_hours.intervals[5]'],
    ['a malformed holiday', sla(14_400, { holidays: ['2025-13-01'] }), 'queue.service_level.business_hours.holidays[0]'],
  ])('refuses %s, naming the field', (_what, over, field) => {
    expect(validationFieldOf(() => validateQueue(queue(over)))).toBe(field);
  });

  it('throws a ValidationError whose message names the field and the bad value', () => {
    const bad = queue({ requiredSkills: [{ name: 'billing', minLevel: 11 }] });
    expect(() => validateQueue(bad)).toThrow(ValidationError);
    expect(() => validateQueue(bad)).toThrow(/^queue\.required_skills\[0\]\.min_level: .*got 11$/);
  });

  it('explains why manual pick needs an offer timeout', () => {
    expect(() => validateQueue(queue({ strategy: 'manual_pick', offerTimeoutSeconds: 0 }))).toThrow(/manual pick .* timeout above 0/);
  });

  it('names the first bad field when several are bad', () => {
    expect(validationFieldOf(() => validateQueue(queue({ queueId: '', channel: 'fax' as QueueInput['channel'], priority: 9 })))).toBe('queue.queue_id');
    expect(validationFieldOf(() => validateQueue(queue({ priority: 9, teamId: 'bad team' })))).toBe('queue.priority');
  });

  it.each<[string, Partial<QueueInput>]>([
    ['a 200-character name', { name: 'n'.repeat(200) }],
    ['an empty name', { name: '' }],
    ['a 64-character queue id', { queueId: 'q'.repeat(64) }],
    ['skill levels 0 and 10', { requiredSkills: [{ name: 'billing', minLevel: 0 }, { name: 'tier.2_x-y', minLevel: 10 }] }],
    ['no required skills', { requiredSkills: [] }],
    ['priorities at the bounds (low)', { priority: 1 }],
    ['priorities at the bounds (urgent)', { priority: 4 }],
    ['offer timeout 0 (assign at once) for a ranking strategy', { strategy: 'round_robin', offerTimeoutSeconds: 0 }],
    ['manual pick with a timeout', { strategy: 'manual_pick', offerTimeoutSeconds: 1 }],
    ['offer timeout of an hour', { offerTimeoutSeconds: 3_600 }],
    ['aging 0 and a day', { agingSeconds: 86_400 }],
    ['overflow that widens', { overflow: overflow({ afterSeconds: 120, widen: true }) }],
    ['overflow to another queue', { overflow: overflow({ afterSeconds: 7 * 86_400, toQueueId: 'backup' }) }],
    ['a team', { teamId: 'team-1' }],
    ['a regional language', { language: 'es-419' }],
    ['a first reply within 4 business hours', sla(4 * 3_600)],
    ['a first reply within 60 seconds around the clock', sla(60, undefined)],
  ])('accepts %s', (_what, over) => {
    expect(validationFieldOf(() => validateQueue(queue(over)))).toBeUndefined();
  });
});

describe('validateTeam', () => {
  const team = (over: Partial<Team> = {}): Team => ({ teamId: 'tier-2', name: 'Tier 2', queueId: '', ...over });

  it('accepts a team with or without a queue and returns it unchanged', () => {
    expect(validateTeam(team())).toEqual(team());
    expect(validateTeam(team({ queueId: 'tier2_queue' }))).toEqual(team({ queueId: 'tier2_queue' }));
  });

  it.each<[string, Partial<Team>, string]>([
    ['an empty team id', { teamId: '' }, 'team.team_id'],
    ['a team id with a slash', { teamId: 'a/b' }, 'team.team_id'],
    ['a name of 201 characters', { name: 'n'.repeat(201) }, 'team.name'],
    ['a malformed queue id', { queueId: 'q q' }, 'team.queue_id'],
  ])('refuses %s, naming the field', (_what, over, field) => {
    expect(validationFieldOf(() => validateTeam(team(over)))).toBe(field);
  });
});

describe('requireToken', () => {
  it('returns a good token and names the field of a bad one', () => {
    expect(requireToken('x.id', 'A_b-9')).toBe('A_b-9');
    expect(() => requireToken('x.id', 'a.b')).toThrow(/^x\.id: must be 1-64 letters, digits, "-" or "_", got "a\.b"$/);
  });
});

describe('policyVersion', () => {
  it('is "<queue>@<revision>"', () => {
    expect(policyVersion({ ...queue(), revision: 7 })).toBe('support@7');
  });
});
