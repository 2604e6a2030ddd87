import type { MetricFigures, MetricsSettings } from '@contactcenter/proto/survey/v1';
import type { TimelineEntry } from '../projection/timeline';
import { policyOf } from '../settings/metricsSettings';
import { metricsRows, type InvitationRecord, type MetricsQuery } from './metricsTable';

const T0 = Date.parse('2026-03-30T08:00:00Z'); // Monday 10:00 in Berlin
const s = (seconds: number) => T0 + seconds * 1000;
const DAY = 86_400_000;

/** A conversation's timeline, built in event order. */
class Story {
  readonly entries: TimelineEntry[] = [];
  constructor(readonly conversationId: string) {}
  start(t: number, channel = 'chat', region = 'eu') { return this.push({ k: 'start', t, channel, region }); }
  customer(t: number) { return this.push({ k: 'msg', t, by: 'customer' }); }
  agent(t: number) { return this.push({ k: 'msg', t, by: 'agent' }); }
  bot(t: number) { return this.push({ k: 'msg', t, by: 'bot' }); }
  queue(t: number, queue = 'q-sales', team = 'team-a', due?: number) { return this.push({ k: 'queue', t, queue, team, ...(due === undefined ? {} : { due }) }); }
  assign(t: number, agent: string) { return this.push({ k: 'assign', t, agent }); }
  transfer(t: number, to: { agent?: string; team?: string }) { return this.push({ k: 'transfer', t, toAgent: to.agent ?? '', toTeam: to.team ?? '' }); }
  tag(t: number, add: string[], remove: string[] = []) { return this.push({ k: 'tags', t, add, remove }); }
  resolve(t: number) { return this.push({ k: 'resolve', t }); }
  reopen(t: number) { return this.push({ k: 'reopen', t }); }
  answer(t: number, rev: number, ratings: [kind: 'csat' | 'nps' | 'ces', score: number][], survey = 'post-chat') {
    return this.push({ k: 'answer', t, survey, rev, ratings: ratings.map(([kind, score]) => ({ kind, score })) });
  }
  private push(e: TimelineEntry) {
    this.entries.push(e);
    return this;
  }
}

const defaults: MetricsSettings = { timeZone: 'UTC', fcrWindowDays: 7, conversionTags: ['sale'], businessHours: [] };
const query = (over: Partial<MetricsQuery> = {}): MetricsQuery => ({
  fromMs: T0 - DAY, toMs: T0 + 20 * DAY, asOfMs: T0 + 30 * DAY, bucket: 'none', groupBy: 'tenant', timeZone: 'UTC', filters: {}, ...over,
});
const run = (stories: Story[], over: Partial<MetricsQuery> = {}, settings = defaults, invitations: InvitationRecord[] = []) =>
  metricsRows('acme', query(over), policyOf(settings), stories, invitations);
const only = (stories: Story[], over: Partial<MetricsQuery> = {}, settings = defaults, invitations: InvitationRecord[] = []): MetricFigures => {
  const rows = run(stories, over, settings, invitations);
  expect(rows).toHaveLength(1);
  return rows[0]!.figures;
};

describe('first response time', () => {
  it('runs from the first customer message to the first agent message; bot replies do not count', () => {
    const c = new Story('c1').start(s(0)).customer(s(10)).bot(s(12)).queue(s(15)).agent(s(70)).customer(s(100)).agent(s(130));
    const f = only([c]);
    expect(f.firstResponses).toBe(1);
    expect(f.firstResponseSecondsAvg).toBe(60);
  });

  it('starts at the queueing when that came before any customer message', () => {
    const c = new Story('c1').start(s(0)).queue(s(5)).customer(s(20)).agent(s(45));
    expect(only([c]).firstResponseSecondsAvg).toBe(40);
  });

  it('is absent when only a bot answered before the resolution, even if an agent writes after a reopen', () => {
    const c = new Story('c1').start(s(0)).customer(s(1)).bot(s(2)).resolve(s(3)).reopen(s(100)).agent(s(200));
    const f = only([c]);
    expect(f.firstResponses).toBe(0);
    expect(f.firstResponseSecondsAvg).toBeUndefined();
  });

  it('ignores agent messages before the customer wrote or the conversation was queued', () => {
    const c = new Story('c1').start(s(0)).agent(s(1)).customer(s(10)).agent(s(25));
    expect(only([c]).firstResponseSecondsAvg).toBe(15);
  });
});

describe('service level (first reply by its due time)', () => {
  const HOUR = 3_600;
  const email = (id: string) => new Story(id).start(s(0), 'email').customer(s(0));

  it('is the share of first agent replies at or before the due time, per channel; conversations without a due time do not count', () => {
    const stories = [
      email('on-time').queue(s(1), 'q-email', '', s(4 * HOUR)).agent(s(2 * HOUR)),
      email('at-due').queue(s(1), 'q-email', '', s(4 * HOUR)).agent(s(4 * HOUR)),
      email('late').queue(s(1), 'q-email', '', s(4 * HOUR)).agent(s(5 * HOUR)),
      new Story('chat-on-time').start(s(0)).customer(s(0)).queue(s(1), 'q-chat', '', s(61)).agent(s(30)),
      new Story('chat-no-promise').start(s(0)).customer(s(0)).queue(s(1)).agent(s(9 * HOUR)),
    ];
    const byChannel = Object.fromEntries(run(stories, { groupBy: 'channel' }).map((r) => [r.group, r.figures]));
    expect(byChannel.email).toMatchObject({ serviceLevelConversations: 3, serviceLevelMet: 2, firstResponses: 3 });
    expect(byChannel.email!.serviceLevelPercent).toBeCloseTo(200 / 3, 10);
    expect(byChannel.chat).toMatchObject({ serviceLevelConversations: 1, serviceLevelMet: 1, serviceLevelPercent: 100, firstResponses: 2 });
    expect(only([stories[4]!]).serviceLevelPercent).toBeUndefined();
  });

  it('counts a miss once the due time passes without a reply, in the bucket of the due time, and a late reply does not move it', () => {
    const late = email('late').queue(s(1), 'q-email', '', s(4 * HOUR)).agent(s(4 * HOUR) + 2 * DAY);
    expect(only([late], { asOfMs: s(4 * HOUR) - 1 })).toMatchObject({ serviceLevelConversations: 0 });
    expect(only([late], { asOfMs: s(4 * HOUR) + 1 })).toMatchObject({ serviceLevelConversations: 1, serviceLevelMet: 0, serviceLevelPercent: 0 });
    const days = run([late], { bucket: 'day' });
    expect(days.find((r) => r.figures.serviceLevelConversations > 0)!.label).toBe('2026-03-30');
  });

  it('does not count a conversation resolved before its due time without a reply, and counts one resolved after it as missed', () => {
    const early = email('self-served').queue(s(1), 'q-email', '', s(4 * HOUR)).resolve(s(HOUR));
    const after = email('closed-late').queue(s(1), 'q-email', '', s(4 * HOUR)).resolve(s(5 * HOUR));
    expect(only([early])).toMatchObject({ serviceLevelConversations: 0 });
    expect(only([after])).toMatchObject({ serviceLevelConversations: 1, serviceLevelMet: 0 });
  });

  it('keeps the due time of the latest queueing before the first reply; an overflow without one keeps the earlier', () => {
    const moved = email('moved').queue(s(1), 'q-email', '', s(HOUR)).queue(s(60), 'q-email-2', '', s(8 * HOUR)).agent(s(2 * HOUR));
    expect(only([moved])).toMatchObject({ serviceLevelConversations: 1, serviceLevelMet: 1 });
    const overflowed = email('overflowed').queue(s(1), 'q-email', '', s(HOUR)).queue(s(60), 'q-backup').agent(s(2 * HOUR));
    expect(only([overflowed])).toMatchObject({ serviceLevelConversations: 1, serviceLevelMet: 0 });
    // Queued again after a reopen, with the first reply long settled: nothing new is promised.
    const reopened = email('reopened').queue(s(1), 'q-email', '', s(HOUR)).agent(s(60)).resolve(s(120)).reopen(s(200)).queue(s(201), 'q-email', '', s(300)).agent(s(9 * HOUR));
    expect(only([reopened])).toMatchObject({ serviceLevelConversations: 1, serviceLevelMet: 1 });
  });
});

describe('average response time', () => {
  it('pairs each waiting customer message with the next agent reply; follow-ups join the running wait', () => {
    const c = new Story('c1').start(s(0)).customer(s(0)).customer(s(5)).agent(s(30)).agent(s(31)).customer(s(100)).bot(s(101)).agent(s(150));
    const f = only([c]);
    expect(f.responses).toBe(2);
    expect(f.responseSecondsAvg).toBe((30 + 50) / 2);
  });

  it('drops a wait the resolution ended', () => {
    const c = new Story('c1').start(s(0)).customer(s(0)).agent(s(10)).customer(s(20)).resolve(s(30)).reopen(s(1000)).agent(s(1010));
    const f = only([c]);
    expect(f.responses).toBe(1);
    expect(f.responseSecondsAvg).toBe(10);
  });

  it('counts only business seconds where the queue has business hours', () => {
    const settings = {
      ...defaults,
      timeZone: 'Europe/Berlin',
      businessHours: [{ queueId: 'q-sales', timeZone: 'Europe/Berlin', windows: [1, 2, 3, 4, 5].map((d) => ({ isoWeekday: d, start: '09:00', end: '17:00' })), holidays: [] }],
    };
    // Friday 2026-04-03 16:50 CEST → Monday 2026-04-06 09:10 CEST: 20 business minutes.
    const friday = Date.parse('2026-04-03T14:50:00Z');
    const monday = Date.parse('2026-04-06T07:10:00Z');
    const inQueue = new Story('c1').start(friday - 60_000).queue(friday - 60_000).customer(friday).agent(monday);
    const otherQueue = new Story('c2').start(friday - 60_000).queue(friday - 60_000, 'q-support').customer(friday).agent(friday + 600_000);
    const rows = run([inQueue, otherQueue], { groupBy: 'queue' }, settings);
    const byQueue = Object.fromEntries(rows.map((r) => [r.group, r.figures]));
    expect(byQueue['q-sales']!.responseSecondsAvg).toBe((monday - friday) / 1000);
    expect(byQueue['q-sales']!.responseBusinessSecondsAvg).toBe(20 * 60);
    expect(byQueue['q-sales']!.firstResponseBusinessSecondsAvg).toBe(21 * 60);
    // A queue without business hours is open round the clock.
    expect(byQueue['q-support']!.responseBusinessSecondsAvg).toBe(600);
  });
});

describe('resolution time and first-contact resolution', () => {
  it('ART runs from start to resolution', () => {
    const a = new Story('a').start(s(0)).customer(s(0)).agent(s(5)).resolve(s(600));
    const b = new Story('b').start(s(0)).customer(s(0)).agent(s(5)).resolve(s(1200));
    const f = only([a, b]);
    expect(f.conversationsResolved).toBe(2);
    expect(f.resolutionSecondsAvg).toBe(900);
  });

  it('a reopened conversation counts its full span once, at its final resolution', () => {
    const c = new Story('c').start(s(0)).resolve(s(600)).reopen(s(3600)).resolve(s(7200));
    const f = only([c]);
    expect(f.conversationsResolved).toBe(1);
    expect(f.resolutionSecondsAvg).toBe(7200);
    expect(f.reopens).toBe(1);
    expect(f.firstContactResolutions).toBe(0);
  });

  it('FCR: resolved, never transferred, not reopened within the window', () => {
    const clean = new Story('clean').start(s(0)).resolve(s(60));
    const transferred = new Story('transferred').start(s(0)).assign(s(1), 'ann').transfer(s(2), { team: 'billing' }).resolve(s(60));
    const reopenedSoon = new Story('soon').start(s(0)).resolve(s(60)).reopen(s(60) + 2 * DAY).resolve(s(60) + 2 * DAY + 60_000);
    const reopenedLate = new Story('late').start(s(0)).resolve(s(60)).reopen(s(60) + 8 * DAY).resolve(s(60) + 8 * DAY + 60_000);
    const open = new Story('open').start(s(0)).customer(s(1));
    const f = only([clean, transferred, reopenedSoon, reopenedLate, open]);
    expect(f.conversationsStarted).toBe(5);
    expect(f.conversationsResolved).toBe(4);
    expect(f.firstContactResolutions).toBe(2); // clean and late
    expect(f.fcrPercent).toBe(50);
    expect(f.transfers).toBe(1);
    expect(f.reopens).toBe(2);
  });

  it('the FCR window is a setting: a 10-day window takes the credit from the reopen after 8 days', () => {
    const late = new Story('late').start(s(0)).resolve(s(60)).reopen(s(60) + 8 * DAY).resolve(s(60) + 8 * DAY + 60_000);
    expect(only([late], {}, { ...defaults, fcrWindowDays: 10 }).firstContactResolutions).toBe(0);
    expect(only([late], {}, { ...defaults, fcrWindowDays: 7 }).firstContactResolutions).toBe(1);
  });

  it('as of a moment in the open window, a resolution counts as first-contact until a reopen comes', () => {
    const c = new Story('c').start(s(0)).resolve(s(60)).reopen(s(60) + DAY).resolve(s(60) + DAY + 60_000);
    const before = only([c], { asOfMs: s(60) + DAY / 2 });
    expect(before).toMatchObject({ conversationsResolved: 1, firstContactResolutions: 1, resolutionSecondsAvg: 60, reopens: 0 });
    const reopened = run([c], { asOfMs: s(60) + DAY + 1 });
    expect(reopened[0]!.figures).toMatchObject({ conversationsResolved: 0, reopens: 1 });
    const after = only([c], { asOfMs: s(60) + 2 * DAY });
    expect(after).toMatchObject({ conversationsResolved: 1, firstContactResolutions: 0, resolutionSecondsAvg: (60 + 86_400 + 60) });
  });
});

describe('survey ratings', () => {
  it('CSAT % is the share of 4s and 5s, NPS promoters minus detractors, CES the average', () => {
    const scores: [number, number, number][] = [
      [5, 10, 7],
      [4, 9, 6],
      [3, 8, 2],
      [1, 0, 1],
    ];
    const stories = scores.map(([csat, nps, ces], i) => new Story(`c${i}`).start(s(0)).resolve(s(60)).answer(s(120), 1, [['csat', csat], ['nps', nps], ['ces', ces]]));
    const f = only(stories);
    expect(f).toMatchObject({ csatAnswers: 4, csatPercent: 50, npsAnswers: 4, nps: 25, cesAnswers: 4, cesAvg: 4 });
  });

  it('an edit replaces the answers; the latest revision as of the query wins, counted at the first answer', () => {
    const c = new Story('c').start(s(0)).resolve(s(60)).answer(s(120), 1, [['csat', 2]]).answer(s(120) + 2 * DAY, 2, [['csat', 5]]);
    expect(only([c], { asOfMs: s(121) })).toMatchObject({ csatAnswers: 1, csatPercent: 0 });
    expect(only([c])).toMatchObject({ csatAnswers: 1, csatPercent: 100 });
    const days = run([c], { bucket: 'day' });
    expect(days.find((r) => r.figures.csatAnswers > 0)!.label).toBe('2026-03-30');
  });

  it('NPS is absent without answers and spans -100 to 100', () => {
    expect(only([new Story('c').start(s(0))]).nps).toBeUndefined();
    const detractors = [0, 6].map((n, i) => new Story(`d${i}`).start(s(0)).answer(s(1), 1, [['nps', n]]));
    expect(only(detractors).nps).toBe(-100);
  });
});

describe('conversion and invitations', () => {
  it('counts started conversations carrying a conversion tag as of the query', () => {
    const sold = new Story('sold').start(s(0)).tag(s(100), ['sale', 'vip']);
    const untagged = new Story('untagged').start(s(0)).tag(s(100), ['sale']).tag(s(200), [], ['sale']);
    const other = new Story('other').start(s(0)).tag(s(100), ['refund']);
    const f = only([sold, untagged, other, new Story('plain').start(s(0))]);
    expect(f).toMatchObject({ conversationsStarted: 4, conversions: 1, conversionPercent: 25 });
    expect(only([sold, untagged], { asOfMs: s(150) })).toMatchObject({ conversions: 2 });
    expect(only([sold], {}, { ...defaults, conversionTags: ['refund'] })).toMatchObject({ conversions: 0 });
  });

  it('invitations accepted over sent, by send time; accepted ones take their conversation’s dimensions', () => {
    const conv = new Story('from-invite').start(s(30)).queue(s(31), 'q-sales', 'team-a');
    const invitations: InvitationRecord[] = [
      { invitationId: 'i1', sentAt: s(0), acceptedAt: s(30), conversationId: 'from-invite' },
      { invitationId: 'i2', sentAt: s(10), acceptedAt: undefined, conversationId: '' },
      { invitationId: 'i3', sentAt: s(20), acceptedAt: undefined, conversationId: '' },
      { invitationId: 'i4', sentAt: s(20) + 40 * DAY, acceptedAt: undefined, conversationId: '' },
    ];
    expect(only([conv], {}, defaults, invitations)).toMatchObject({ invitationsSent: 3, invitationsAccepted: 1 });
    expect(only([conv], {}, defaults, invitations).invitationAcceptancePercent).toBeCloseTo(100 / 3, 10);
    const byTeam = run([conv], { groupBy: 'team' }, defaults, invitations);
    expect(byTeam.map((r) => [r.group, r.figures.invitationsSent, r.figures.invitationsAccepted])).toEqual([
      ['', 2, 0],
      ['team-a', 1, 1],
    ]);
    expect(only([conv], { filters: { team: 'team-a' } }, defaults, invitations)).toMatchObject({ invitationsSent: 1, invitationsAccepted: 1 });
    // Not yet accepted as of s(25): unattributed.
    expect(only([conv], { asOfMs: s(25) }, defaults, invitations)).toMatchObject({ invitationsSent: 3, invitationsAccepted: 0, conversationsStarted: 0 });
  });
});

describe('dimensions, filters and buckets', () => {
  it('groups by the dimensions as they stood: the last agent after a transfer', () => {
    const c = new Story('c').start(s(0), 'email', 'eu').queue(s(1), 'q1', 'team-a').assign(s(2), 'ann').transfer(s(3000), { agent: 'bob' });
    expect(run([c], { groupBy: 'agent', asOfMs: s(100) }).map((r) => r.group)).toEqual(['ann']);
    expect(run([c], { groupBy: 'agent' }).map((r) => r.group)).toEqual(['bob']);
    expect(run([c], { groupBy: 'channel' }).map((r) => r.group)).toEqual(['email']);
    expect(run([c], { groupBy: 'tenant' }).map((r) => r.group)).toEqual(['acme']);
    expect(run([c], { filters: { channel: 'chat' } })).toEqual([]);
    expect(run([c], { filters: { team: 'team-a', region: 'eu', queue: 'q1', agent: 'bob' } })).toHaveLength(1);
  });

  it('counts each figure in the bucket of the moment it measures, within [from, to)', () => {
    const c = new Story('c').start(Date.parse('2026-03-28T23:30:00Z')).customer(Date.parse('2026-03-28T23:31:00Z')).agent(Date.parse('2026-03-29T08:00:00Z')).resolve(Date.parse('2026-03-30T09:00:00Z'));
    const rows = run([c], { bucket: 'day', timeZone: 'Europe/Berlin', fromMs: Date.parse('2026-03-28T23:00:00Z'), toMs: Date.parse('2026-03-29T22:00:00Z') });
    // Started and answered on the local day 2026-03-29; resolved the day after, outside the range.
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ label: '2026-03-29', bucketStartMs: Date.parse('2026-03-28T23:00:00Z') });
    expect(rows[0]!.figures).toMatchObject({ conversationsStarted: 1, firstResponses: 1, conversationsResolved: 0 });
  });

  it('leaves out conversations that had not started as of the query', () => {
    expect(run([new Story('c').start(s(100)).customer(s(101))], { asOfMs: s(50) })).toEqual([]);
  });
});
