import { describe, expect, it } from '@jest/globals';
import { fillBuckets, labelOf } from './metricBuckets';

const at = (iso: string) => Date.parse(iso);

describe('metric buckets as a time line', () => {
  it('adds the empty hours around and between the ones with data', () => {
    const rows = [
      { bucketStart: '2026-12-05T10:00:00.000Z', bucketLabel: 'ten', group: 'acme', figures: { n: 1 } },
      { bucketStart: '2026-12-05T12:00:00.000Z', bucketLabel: 'noon', group: 'acme', figures: { n: 2 } },
    ];
    const filled = fillBuckets(rows, { from: at('2026-12-05T08:30:00Z'), to: at('2026-12-05T14:00:00Z'), bucket: 'hour', timeZone: 'UTC' });
    expect(filled.map((r) => r.bucketLabel)).toEqual(['2026-12-05 08:00', '2026-12-05 09:00', 'ten', '2026-12-05 11:00', 'noon', '2026-12-05 13:00']);
    expect(filled[1]).toEqual({ bucketStart: '2026-12-05T09:00:00.000Z', bucketLabel: '2026-12-05 09:00', group: 'acme' });
  });

  it('labels hours in the tenant’s time zone, half-hour offsets included', () => {
    const rows = [{ bucketStart: '2026-12-05T04:30:00.000Z', figures: {} }];
    const filled = fillBuckets(rows, { from: at('2026-12-05T02:00:00Z'), to: at('2026-12-05T06:00:00Z'), bucket: 'hour', timeZone: 'Asia/Kolkata' });
    expect(filled.map((r) => r.bucketLabel ?? 'row')).toEqual(['2026-12-05 07:00', '2026-12-05 08:00', '2026-12-05 09:00', 'row', '2026-12-05 11:00']);
  });

  it('follows local midnights across a daylight-saving change', () => {
    // Madrid: 29 March 2026 has 23 hours.
    const rows = [
      { bucketStart: '2026-03-27T23:00:00.000Z', figures: {} },
      { bucketStart: '2026-03-29T22:00:00.000Z', figures: {} },
    ];
    const filled = fillBuckets(rows, { from: at('2026-03-27T23:00:00Z'), to: at('2026-03-30T22:00:00Z'), bucket: 'day', timeZone: 'Europe/Madrid' });
    expect(filled.map((r) => r.bucketLabel ?? 'row')).toEqual(['row', '2026-03-29', 'row']);
  });

  it('leaves totals (no bucket) as they are', () => {
    const rows = [{ bucketStart: null, bucketLabel: 'all', figures: {} }];
    expect(fillBuckets(rows, { from: 0, to: 1, bucket: 'none' })).toEqual(rows);
  });

  it('labels days as dates', () => {
    expect(labelOf(at('2026-12-05T03:00:00Z'), 'day', 'America/Sao_Paulo')).toBe('2026-12-05');
    expect(labelOf(at('2026-12-05T02:00:00Z'), 'day', 'America/Sao_Paulo')).toBe('2026-12-04');
  });
});
