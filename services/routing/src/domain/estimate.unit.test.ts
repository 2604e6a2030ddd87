import { estimateWaitSeconds, THROUGHPUT_WINDOW_MS, type WaitEstimateInput } from './estimate';

const NOW = Date.parse('2025-01-06T10:00:00Z');
const MIN = 60_000;

const input = (over: Partial<WaitEstimateInput> = {}): WaitEstimateInput => ({
  position: 1,
  recentAssignments: [],
  servingSlots: 4,
  freeSlots: 0,
  averageHandleSeconds: 300,
  now: NOW,
  ...over,
});

describe('estimateWaitSeconds from history', () => {
  it("divides the position by the queue's recent pace", () => {
    // 3 assignments over the last 5 minutes: one per 100 s.
    const recent = [NOW - 5 * MIN, NOW - 2 * MIN, NOW - MIN];
    expect(estimateWaitSeconds(input({ position: 1, recentAssignments: recent }))).toBe(100);
    expect(estimateWaitSeconds(input({ position: 3, recentAssignments: recent }))).toBe(300);
  });

  it('takes assignments in any order', () => {
    expect(estimateWaitSeconds(input({ position: 2, recentAssignments: [NOW - MIN, NOW - 5 * MIN, NOW - 2 * MIN] }))).toBe(200);
  });

  it('measures the pace over at least a minute, so a burst does not promise an instant answer', () => {
    // 3 assignments in the last 10 s count as 3 per minute.
    expect(estimateWaitSeconds(input({ position: 1, recentAssignments: [NOW - 10_000, NOW - 5_000, NOW] }))).toBe(20);
  });

  it('counts an assignment exactly at the edge of the window and ignores older or future ones', () => {
    const edge = [NOW - THROUGHPUT_WINDOW_MS, NOW - MIN, NOW];
    expect(estimateWaitSeconds(input({ position: 1, recentAssignments: edge }))).toBe(300);
    // With the oldest or newest out of bounds only 2 samples remain: staffing decides (position 1, no free slot, 4 slots → one handle time).
    expect(estimateWaitSeconds(input({ position: 1, recentAssignments: [NOW - THROUGHPUT_WINDOW_MS - 1, NOW - MIN, NOW] }))).toBe(300);
    expect(estimateWaitSeconds(input({ position: 1, recentAssignments: [NOW + 1, NOW - MIN, NOW], averageHandleSeconds: 120 }))).toBe(120);
  });

  // Bug: estimate.ts consults history before staffing, so with nobody on shift it still promises a wait.
  it('is undefined when nobody who could serve is on shift, however busy the queue just was', () => {
    expect(estimateWaitSeconds(input({ servingSlots: 0, freeSlots: 0, recentAssignments: [NOW - 3 * MIN, NOW - 2 * MIN, NOW - MIN] }))).toBeUndefined();
  });
});

describe('estimateWaitSeconds from staffing', () => {
  it('is 0 when a free slot can take it', () => {
    expect(estimateWaitSeconds(input({ position: 2, freeSlots: 2 }))).toBe(0);
    expect(estimateWaitSeconds(input({ position: 1, freeSlots: 5 }))).toBe(0);
  });

  it('serves the conversations the free slots cannot absorb servingSlots at a time, each for the average handle time', () => {
    // 6th in line, 1 free slot: 5 ahead, 4 at a time → 2 rounds of 300 s.
    expect(estimateWaitSeconds(input({ position: 6, servingSlots: 4, freeSlots: 1, averageHandleSeconds: 300 }))).toBe(600);
    expect(estimateWaitSeconds(input({ position: 5, servingSlots: 4, freeSlots: 1, averageHandleSeconds: 300 }))).toBe(300);
    expect(estimateWaitSeconds(input({ position: 3, servingSlots: 1, freeSlots: 0, averageHandleSeconds: 90.4 }))).toBe(271);
  });

  it('is used while history is thinner than 3 assignments', () => {
    expect(estimateWaitSeconds(input({ position: 2, servingSlots: 1, recentAssignments: [NOW - MIN, NOW - 2 * MIN] }))).toBe(600);
  });

  it('is undefined when nobody who could serve is on shift', () => {
    expect(estimateWaitSeconds(input({ servingSlots: 0 }))).toBeUndefined();
    expect(estimateWaitSeconds(input({ servingSlots: 0, recentAssignments: [NOW - MIN] }))).toBeUndefined();
  });
});
