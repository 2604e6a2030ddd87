/**
 * The event store contract: one suite, run unchanged against every adapter
 * (one `*.eventStore.test.ts` per backend), in the manner of emmett's
 * `emmett-tests/src/eventStore/features.ts`. Every test works on fresh stream
 * ids, so a backend may share its server with other tests.
 */
import { ConcurrencyError, ValidationError } from '@contactcenter/infra/errors';
import type { EventStore, ExpectedRevision } from '@contactcenter/infra/eventstore';
import { logContract } from './eventStore.log.contract';
import { newEvent, newStreamId, type EventStoreBackend, type EventStoreHarness } from './eventStoreHarness';

export function eventStoreContract(backend: EventStoreBackend): void {
  const guarantees = { refusesReusedEventIds: true, idempotentWhateverExpectedRevision: true, ...backend.guarantees };

  describe(`EventStore contract on ${backend.name}`, () => {
    let harness: EventStoreHarness | undefined;
    const store = (): EventStore => harness!.store;
    beforeAll(async () => {
      harness = await backend.open();
    }, 120_000);
    afterAll(async () => {
      await harness?.close();
    }, 60_000);

    const expectValidation = async (promise: Promise<unknown>, field: string) => {
      const error = await promise.then(() => 'resolved', (e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field });
    };

    describe('validation', () => {
      it('refuses bad appends, naming the field, and writes nothing', async () => {
        const s = newStreamId();
        const valid = newEvent();
        await expectValidation(store().appendToStream('', [valid]), 'streamId');
        await expectValidation(store().appendToStream(s, []), 'events');
        await expectValidation(store().appendToStream(s, [{ ...valid, id: undefined as unknown as string }]), 'events[0].id');
        await expectValidation(store().appendToStream(s, [valid, { ...newEvent(), id: 'not-a-uuid' }]), 'events[1].id');
        await expectValidation(store().appendToStream(s, [{ ...valid, type: '' }]), 'events[0].type');
        await expectValidation(store().appendToStream(s, [{ ...valid, type: undefined as unknown as string }]), 'events[0].type');
        await expectValidation(store().appendToStream(s, [valid, { ...newEvent(), id: valid.id }]), 'events');
        await expectValidation(store().appendToStream(s, [{ ...valid, data: undefined }]), 'events[0].data');
        await expectValidation(store().appendToStream(s, [{ ...valid, data: { text: 'nul\u0000byte' } }]), 'events[0].data');
        await expectValidation(store().appendToStream(s, [{ ...valid, metadata: { n: 1 as unknown as string } }]), 'events[0].metadata');
        for (const bad of [-1, 1.5, 'latest', '3']) {
          await expectValidation(store().appendToStream(s, [valid], { expectedRevision: bad as ExpectedRevision }), 'expectedRevision');
        }
        expect(await store().readStream(s)).toEqual([]);
        expect(await store().streamRevision(s)).toBeUndefined();
      });

      it('refuses bad reads, naming the field', async () => {
        await expectValidation(store().readStream(''), 'streamId');
        await expectValidation(store().readStream(newStreamId(), { fromRevision: -1 }), 'fromRevision');
        await expectValidation(store().readStream(newStreamId(), { maxCount: -1 }), 'maxCount');
        await expectValidation(store().readAll({ after: 'not-a-position' }), 'after');
        await expectValidation(store().readAll({ maxCount: 1.5 }), 'maxCount');
      });
    });

    describe('expected revision', () => {
      /** Appends must fail with ConcurrencyError(streamId, expected, actual) and leave the stream as it was. */
      const expectConflict = async (streamId: string, expectedRevision: ExpectedRevision, actual: string) => {
        const before = await store().readStream(streamId);
        const error = await store()
          .appendToStream(streamId, [newEvent()], { expectedRevision })
          .then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId, expected: String(expectedRevision), actual });
        expect(await store().readStream(streamId)).toEqual(before);
      };

      it("'no_stream' succeeds on a new stream and conflicts once it has events", async () => {
        const s = newStreamId();
        const result = await store().appendToStream(s, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(1);
        expect(typeof result.position).toBe('string');
        await expectConflict(s, 'no_stream', '1');
      });

      it("'stream_exists' conflicts on a missing stream (still missing after) and succeeds once it exists", async () => {
        const s = newStreamId();
        await expectConflict(s, 'stream_exists', 'no_stream');
        expect(await store().streamRevision(s)).toBeUndefined();
        await store().appendToStream(s, [newEvent()]);
        await expect(store().appendToStream(s, [newEvent()], { expectedRevision: 'stream_exists' })).resolves.toMatchObject({ nextExpectedRevision: 1 });
      });

      it('an exact revision succeeds only when it is the last revision', async () => {
        const s = newStreamId();
        await expectConflict(s, 0, 'no_stream');
        await store().appendToStream(s, [newEvent(), newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        await expectConflict(s, 1, '2');
        await expectConflict(s, 3, '2');
        await expect(store().appendToStream(s, [newEvent()], { expectedRevision: 2 })).resolves.toMatchObject({ nextExpectedRevision: 3 });
        expect(await store().streamRevision(s)).toBe(3);
      });

      it("'any' (the default) never conflicts", async () => {
        const s = newStreamId();
        await expect(store().appendToStream(s, [newEvent()], { expectedRevision: 'any' })).resolves.toMatchObject({ nextExpectedRevision: 0 });
        await expect(store().appendToStream(s, [newEvent()])).resolves.toMatchObject({ nextExpectedRevision: 1 });
      });
    });

    describe('idempotency', () => {
      it('a retried batch is written once and answers its original result', async () => {
        const s = newStreamId();
        const batch = [newEvent({ n: 1 }), newEvent({ n: 2 })];
        const first = await store().appendToStream(s, batch, { expectedRevision: 'no_stream' });
        const retries: ExpectedRevision[] = ['no_stream', 'any'];
        if (guarantees.idempotentWhateverExpectedRevision) retries.push(1, 'stream_exists', 0);
        for (const expectedRevision of retries) {
          await expect(store().appendToStream(s, batch, { expectedRevision })).resolves.toEqual(first);
        }
        expect((await store().readStream(s)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
        if (guarantees.idempotentWhateverExpectedRevision) {
          await store().appendToStream(s, [newEvent()]);
          await expect(store().appendToStream(s, batch, { expectedRevision: 'any' })).resolves.toEqual(first);
          expect(await store().streamRevision(s)).toBe(2);
        }
      });

      (guarantees.refusesReusedEventIds ? it : it.skip)('refuses a batch mixing stored and new ids, and an id stored in another stream', async () => {
        const s = newStreamId();
        const other = newStreamId();
        const stored = newEvent();
        await store().appendToStream(s, [stored]);
        await expectValidation(store().appendToStream(s, [stored, newEvent()]), 'events');
        await expectValidation(store().appendToStream(other, [stored]), 'events');
        expect((await store().readStream(s)).map((e) => e.id)).toEqual([stored.id]);
        expect(await store().readStream(other)).toEqual([]);
      });
    });

    describe('reading a stream', () => {
      it('reads forwards and backwards, from a revision, up to a count', async () => {
        const s = newStreamId();
        const events = Array.from({ length: 10 }, (_, i) => newEvent({ i }, `Step${i % 3}`, { i: String(i) }));
        await store().appendToStream(s, events.slice(0, 3), { expectedRevision: 'no_stream' });
        await store().appendToStream(s, events.slice(3, 4), { expectedRevision: 2 });
        const last = await store().appendToStream(s, events.slice(4), { expectedRevision: 3 });
        expect(last.nextExpectedRevision).toBe(9);

        const all = await store().readStream(s);
        expect(all.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        all.forEach((e, i) => {
          expect(e).toMatchObject({ id: events[i]!.id, type: events[i]!.type, data: { i }, metadata: { i: String(i) }, streamId: s, revision: i });
          expect(typeof e.position).toBe('string');
          expect(e.recordedAt).toBeInstanceOf(Date);
          expect(Math.abs(e.recordedAt.getTime() - Date.now())).toBeLessThan(5 * 60_000);
        });
        expect(all[9]!.position).toBe(last.position);
        const revisions = async (options: Parameters<EventStore['readStream']>[1]) => (await store().readStream(s, options)).map((e) => e.revision);
        expect(await revisions({ direction: 'backwards' })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        expect(await revisions({ fromRevision: 4 })).toEqual([4, 5, 6, 7, 8, 9]);
        expect(await revisions({ fromRevision: 4, direction: 'backwards' })).toEqual([4, 3, 2, 1, 0]);
        expect(await revisions({ maxCount: 3 })).toEqual([0, 1, 2]);
        expect(await revisions({ direction: 'backwards', maxCount: 2 })).toEqual([9, 8]);
        expect(await revisions({ fromRevision: 7, maxCount: 2 })).toEqual([7, 8]);
        expect(await revisions({ fromRevision: 10 })).toEqual([]);
        expect(await revisions({ maxCount: 0 })).toEqual([]);
        expect(await store().streamRevision(s)).toBe(9);
      });

      it('a stream that does not exist reads as empty', async () => {
        expect(await store().readStream(newStreamId())).toEqual([]);
        expect(await store().readStream(newStreamId(), { direction: 'backwards' })).toEqual([]);
        expect(await store().streamRevision(newStreamId())).toBeUndefined();
      });
    });

    logContract(() => harness!);
  });
}
