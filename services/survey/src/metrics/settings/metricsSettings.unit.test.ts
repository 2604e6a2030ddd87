import { ValidationError } from '@contactcenter/infra/errors';
import { Channel } from '@contactcenter/proto/conversation/v1';
import { MetricsBucket, MetricsDimension, type BusinessHours, type GetMetricsRequest, type MetricsSettings } from '@contactcenter/proto/survey/v1';
import { metricsQueryOf } from './metricsRequest';
import { policyOf, validateMetricsSettings } from './metricsSettings';

const settings = (over: Partial<MetricsSettings> = {}): MetricsSettings => ({ timeZone: 'Europe/Berlin', fcrWindowDays: 7, conversionTags: ['sale'], businessHours: [], ...over });
const hours = (over: Partial<BusinessHours> = {}): BusinessHours => ({ queueId: 'q-sales', timeZone: 'Europe/Berlin', windows: [{ isoWeekday: 1, start: '09:00', end: '17:30' }], holidays: ['2026-12-25'], ...over });

const rejects = (s: MetricsSettings | undefined, field: string) => {
  let caught: unknown;
  try {
    validateMetricsSettings(s);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  expect((caught as ValidationError).field).toBe(field);
};

describe('validateMetricsSettings', () => {
  it('normalises: canonical zones, defaults for zero values, sorted unique tags and holidays', () => {
    const out = validateMetricsSettings(
      settings({ timeZone: '', fcrWindowDays: 0, conversionTags: ['sale', 'demo-booked', 'sale'], businessHours: [hours({ timeZone: '', holidays: ['2026-12-26', '2026-12-25', '2026-12-25'] })] }),
    );
    expect(out).toEqual({
      timeZone: 'UTC',
      fcrWindowDays: 7,
      conversionTags: ['demo-booked', 'sale'],
      businessHours: [{ queueId: 'q-sales', timeZone: 'UTC', windows: [{ isoWeekday: 1, start: '09:00', end: '17:30' }], holidays: ['2026-12-25', '2026-12-26'] }],
    });
    expect(validateMetricsSettings(settings({ timeZone: 'utc' })).timeZone).toBe('UTC');
  });

  it.each([
    ['a missing message', undefined, 'settings'],
    ['an unknown zone', settings({ timeZone: 'Europe/Atlantis' }), 'settings.time_zone'],
    ['an offset instead of a zone', settings({ timeZone: '+02:00' }), 'settings.time_zone'],
    ['a negative FCR window', settings({ fcrWindowDays: -1 }), 'settings.fcr_window_days'],
    ['an FCR window over 90 days', settings({ fcrWindowDays: 91 }), 'settings.fcr_window_days'],
    ['an upper-case tag', settings({ conversionTags: ['Sale'] }), 'settings.conversion_tags[0]'],
    ['a tag with spaces', settings({ conversionTags: ['ok', 'big sale'] }), 'settings.conversion_tags[1]'],
    ['a queue without id', settings({ businessHours: [hours({ queueId: '' })] }), 'settings.business_hours[0].queue_id'],
    ['a queue zone unknown', settings({ businessHours: [hours({ timeZone: 'Nowhere/City' })] }), 'settings.business_hours[0].time_zone'],
    ['no windows', settings({ businessHours: [hours({ windows: [] })] }), 'settings.business_hours[0].windows'],
    ['weekday 0', settings({ businessHours: [hours({ windows: [{ isoWeekday: 0, start: '09:00', end: '10:00' }] })] }), 'settings.business_hours[0].windows[0].iso_weekday'],
    ['weekday 8', settings({ businessHours: [hours({ windows: [{ isoWeekday: 8, start: '09:00', end: '10:00' }] })] }), 'settings.business_hours[0].windows[0].iso_weekday'],
    ['a time without leading zero', settings({ businessHours: [hours({ windows: [{ isoWeekday: 1, start: '9:00', end: '10:00' }] })] }), 'settings.business_hours[0].windows[0].start'],
    ['24:00 as a start', settings({ businessHours: [hours({ windows: [{ isoWeekday: 1, start: '24:00', end: '24:00' }] })] }), 'settings.business_hours[0].windows[0].start'],
    ['25:00', settings({ businessHours: [hours({ windows: [{ isoWeekday: 1, start: '09:00', end: '25:00' }] })] }), 'settings.business_hours[0].windows[0].end'],
    ['end before start', settings({ businessHours: [hours({ windows: [{ isoWeekday: 1, start: '17:00', end: '09:00' }] })] }), 'settings.business_hours[0].windows[0].end'],
    ['end equal to start', settings({ businessHours: [hours({ windows: [{ isoWeekday: 1, start: '09:00', end: '09:00' }] })] }), 'settings.business_hours[0].windows[0].end'],
    [
      'overlapping windows',
      settings({ businessHours: [hours({ windows: [{ isoWeekday: 2, start: '09:00', end: '12:00' }, { isoWeekday: 2, start: '11:00', end: '13:00' }] })] }),
      'settings.business_hours[0].windows[1]',
    ],
    ['a holiday that is no date', settings({ businessHours: [hours({ holidays: ['2026-02-30'] })] }), 'settings.business_hours[0].holidays[0]'],
    ['a holiday in another format', settings({ businessHours: [hours({ holidays: ['25.12.2026'] })] }), 'settings.business_hours[0].holidays[0]'],
    ['the same queue twice', settings({ businessHours: [hours(), hours()] }), 'settings.business_hours[1].queue_id'],
  ])('rejects %s', (_name, input, field) => rejects(input, field));

  it('accepts windows until 24:00 and adjacent windows', () => {
    const windows = [
      { isoWeekday: 5, start: '13:00', end: '24:00' },
      { isoWeekday: 5, start: '08:00', end: '13:00' },
    ];
    expect(validateMetricsSettings(settings({ businessHours: [hours({ windows })] })).businessHours[0]!.windows).toEqual([windows[1], windows[0]]);
  });

  it('turns into the policy a query applies', () => {
    const policy = policyOf(validateMetricsSettings(settings({ fcrWindowDays: 3, businessHours: [hours()] })));
    expect(policy.fcrWindowMs).toBe(3 * 86_400_000);
    expect(policy.conversionTags.has('sale')).toBe(true);
    // Monday 2026-03-30 08:00-10:00 Berlin: one open hour (09:00-10:00).
    expect(policy.calendarOf('q-sales').openMsBetween(Date.parse('2026-03-30T06:00:00Z'), Date.parse('2026-03-30T08:00:00Z'))).toBe(3_600_000);
    expect(policy.calendarOf('q-other').openMsBetween(0, 1_000)).toBe(1_000);
  });
});

describe('metricsQueryOf', () => {
  const NOW = Date.parse('2026-04-01T12:00:00Z');
  const request = (over: Partial<GetMetricsRequest> = {}): GetMetricsRequest => ({
    from: new Date('2026-03-01T00:00:00Z'),
    to: new Date('2026-03-31T00:00:00Z'),
    bucket: MetricsBucket.METRICS_BUCKET_DAY,
    groupBy: MetricsDimension.METRICS_DIMENSION_TEAM,
    teamId: '',
    agentId: '',
    channel: Channel.CHANNEL_UNSPECIFIED,
    queueId: '',
    region: '',
    asOf: undefined,
    timeZone: '',
    ...over,
  });
  const fieldOf = (over: Partial<GetMetricsRequest>) => {
    try {
      metricsQueryOf(request(over), 'UTC', NOW);
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).field;
    }
    return undefined;
  };

  it('fills defaults: now as of, the tenant zone, one bucket by tenant', () => {
    const q = metricsQueryOf(request({ bucket: MetricsBucket.METRICS_BUCKET_UNSPECIFIED, groupBy: MetricsDimension.METRICS_DIMENSION_UNSPECIFIED }), 'America/Sao_Paulo', NOW);
    expect(q).toEqual({ fromMs: Date.parse('2026-03-01T00:00:00Z'), toMs: Date.parse('2026-03-31T00:00:00Z'), asOfMs: NOW, bucket: 'none', groupBy: 'tenant', timeZone: 'America/Sao_Paulo', filters: {} });
  });

  it('takes filters, a zone override and a past as-of; a future as-of is now', () => {
    const q = metricsQueryOf(
      request({ teamId: 'team-a', agentId: 'agent-7', channel: Channel.CHANNEL_EMAIL, queueId: 'q1', region: 'eu-1', timeZone: 'Europe/Berlin', asOf: new Date('2026-03-20T12:00:00Z') }),
      'UTC',
      NOW,
    );
    expect(q.filters).toEqual({ team: 'team-a', agent: 'agent-7', channel: 'email', queue: 'q1', region: 'eu-1' });
    expect(q.timeZone).toBe('Europe/Berlin');
    expect(q.asOfMs).toBe(Date.parse('2026-03-20T12:00:00Z'));
    expect(metricsQueryOf(request({ asOf: new Date(NOW + 1_000_000) }), 'UTC', NOW).asOfMs).toBe(NOW);
  });

  it.each([
    ['no from', { from: undefined }, 'from'],
    ['no to', { to: undefined }, 'to'],
    ['to before from', { to: new Date('2026-02-01T00:00:00Z') }, 'to'],
    ['an empty range', { to: new Date('2026-03-01T00:00:00Z') }, 'to'],
    ['hours over more than 31 days', { bucket: MetricsBucket.METRICS_BUCKET_HOUR, to: new Date('2026-04-02T00:00:00Z') }, 'to'],
    ['days over more than 366 days', { to: new Date('2027-03-03T00:00:00Z') }, 'to'],
    ['an unknown bucket', { bucket: 9 as MetricsBucket }, 'bucket'],
    ['an unrecognised bucket', { bucket: MetricsBucket.UNRECOGNIZED }, 'bucket'],
    ['an unknown dimension', { groupBy: 42 as MetricsDimension }, 'group_by'],
    ['an unknown channel', { channel: 17 as Channel }, 'channel'],
    ['a bad zone', { timeZone: 'Berlin' }, 'time_zone'],
    ['a team id with spaces', { teamId: 'team a' }, 'team_id'],
    ['an overlong agent id', { agentId: 'a'.repeat(129) }, 'agent_id'],
  ])('rejects %s', (_name, over, field) => expect(fieldOf(over as Partial<GetMetricsRequest>)).toBe(field));

  it('accepts hourly buckets over exactly 31 days', () => {
    expect(fieldOf({ bucket: MetricsBucket.METRICS_BUCKET_HOUR, to: new Date('2026-04-01T00:00:00Z') })).toBeUndefined();
  });
});
