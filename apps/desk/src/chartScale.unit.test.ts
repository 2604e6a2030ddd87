import { describe, expect, it } from '@jest/globals';
import { formatValue, niceCeiling, scaleSeries, type Box } from './chartScale';

const box: Box = { width: 140, height: 120, left: 20, right: 20, top: 10, bottom: 10 };

describe('chart scaling', () => {
  it('rounds the top of the axis up to a nice number', () => {
    expect([0, 0.3, 1, 7, 13, 42, 99, 101, 2400].map(niceCeiling)).toEqual([1, 0.5, 1, 10, 20, 50, 100, 200, 2500]);
  });

  it('puts points in the middle of equal slots, the largest at its height', () => {
    const s = scaleSeries([0, 5, 10, 20], box);
    expect(s.max).toBe(20);
    expect(s.slot).toBe(25);
    expect(s.points.map((p) => p.x)).toEqual([32.5, 57.5, 82.5, 107.5]);
    expect(s.points.map((p) => p.y)).toEqual([110, 85, 60, 10]);
    expect(s.baseline).toBe(110);
  });

  it('gives counts whole ticks, and other figures round ones', () => {
    expect(scaleSeries([0, 1], box, undefined, { kind: 'integer' }).ticks.map((t) => t.value)).toEqual([0, 1, 2, 3, 4]);
    expect(scaleSeries([13], box, undefined, { kind: 'integer' }).ticks.map((t) => t.value)).toEqual([0, 5, 10, 15, 20]);
    expect(scaleSeries([1290], box, undefined, { kind: 'seconds' }).ticks.map((t) => formatValue(t.value, 'seconds'))).toEqual(['0s', '10m', '20m', '30m', '40m']);
    expect(scaleSeries([45], box, undefined, { kind: 'seconds' }).ticks.map((t) => t.value)).toEqual([0, 15, 30, 45, 60]);
    expect(scaleSeries([0.3], box).max).toBeCloseTo(0.4);
  });

  it('leaves a gap where a bucket had nothing to average', () => {
    expect(scaleSeries([3, null, 4], box).points[1]).toMatchObject({ y: undefined, value: null });
  });

  it('keeps a fixed range such as NPS, with 0 as the bars’ base', () => {
    const s = scaleSeries([-50, 50], box, { min: -100, max: 100 });
    expect(s.ticks.map((t) => t.value)).toEqual([-100, -50, 0, 50, 100]);
    expect(s.baseline).toBe(60);
    expect(s.points.map((p) => p.y)).toEqual([85, 35]);
  });

  it('draws a flat series of zeros without dividing by zero', () => {
    expect(scaleSeries([0, 0], box).points.every((p) => p.y === 110)).toBe(true);
  });

  it('formats seconds, percentages and counts for people', () => {
    expect([formatValue(42, 'seconds'), formatValue(90, 'seconds'), formatValue(3720, 'seconds'), formatValue(87.25, 'percent'), formatValue(3.4, 'count')]).toEqual(['42s', '1m 30s', '1h 2m', '87.3%', '3']);
  });
});
