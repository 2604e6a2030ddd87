import { firstReplyDueAt } from './serviceLevel';

const officeHours = { timeZone: 'Europe/Berlin', intervals: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00', endsNextDay: false })), holidays: [] };

describe('firstReplyDueAt', () => {
  it('is undefined when the queue promises nothing', () => {
    expect(firstReplyDueAt(undefined, new Date('2025-01-06T10:00:00Z'))).toBeUndefined();
  });

  it('counts around the clock without business hours', () => {
    expect(firstReplyDueAt({ firstReplyTargetSeconds: 60 }, new Date('2025-01-11T23:59:30Z'))).toEqual(new Date('2025-01-12T00:00:30Z'));
  });

  it('counts business hours when the queue has them: an email on Friday afternoon is due on Monday', () => {
    const email = { firstReplyTargetSeconds: 4 * 3_600, businessHours: officeHours };
    expect(firstReplyDueAt(email, new Date('2025-01-10T15:00:00Z'))).toEqual(new Date('2025-01-13T11:00:00Z'));
    // Read twice from the same stored definition: the parsed hours are reused and give the same answer.
    expect(firstReplyDueAt(email, new Date('2025-01-10T15:00:00Z'))).toEqual(new Date('2025-01-13T11:00:00Z'));
  });
});
