/** Contract, part two: the global log, big and odd payloads, subscriptions. */
import type { RecordedEvent } from '@contactcenter/infra/eventstore';
import { concurrencyContract } from './eventStore.concurrency.contract';
import { follow, newEvent, newStreamId, readWholeLog, type EventStoreHarness } from './eventStoreHarness';

export function logContract(harness: () => EventStoreHarness): void {
  const store = () => harness().store;
  /** A position to start from that ignores whatever other tests wrote before. */
  const mark = async () => (await store().appendToStream(newStreamId('marker'), [newEvent()])).position;
  const inStreams = (...ids: string[]) => (e: RecordedEvent) => ids.includes(e.streamId);

  describe('the global log', () => {
    it('holds events in commit order and resumes strictly after a position', async () => {
      const [a, b] = [newStreamId(), newStreamId()];
      const start = await mark();
      const written: { stream: string; id: string; position: string }[] = [];
      for (const stream of [a, b, a, b, a]) {
        const event = newEvent({ stream });
        const { position } = await store().appendToStream(stream, [event]);
        written.push({ stream, id: event.id, position });
      }
      const log = await readWholeLog(store(), start, inStreams(a, b));
      expect(log.map((e) => e.id)).toEqual(written.map((w) => w.id));
      expect(log.map((e) => e.position)).toEqual(written.map((w) => w.position));
      expect(log.map((e) => `${e.streamId === a ? 'a' : 'b'}${e.revision}`)).toEqual(['a0', 'b0', 'a1', 'b1', 'a2']);

      const rest = await readWholeLog(store(), written[2]!.position, inStreams(a, b));
      expect(rest.map((e) => e.id)).toEqual(written.slice(3).map((w) => w.id));
      expect(await readWholeLog(store(), written[4]!.position, inStreams(a, b))).toEqual([]);

      const page = await store().readAll({ after: start, maxCount: 3 });
      expect(page).toHaveLength(3);
      const ours = page.filter(inStreams(a, b)).map((e) => e.id);
      expect(ours).toEqual(written.slice(0, ours.length).map((w) => w.id));
      expect(await store().readAll({ after: start, maxCount: 0 })).toEqual([]);
    });

    it('finds the event at a position, and nothing at a position it never handed out', async () => {
      const event = newEvent({ at: true });
      const { position } = await store().appendToStream(newStreamId(), [event]);
      const found = await store().eventAt(position);
      expect(found).toMatchObject({ id: event.id, position, data: { at: true } });
      const [latest] = (await store().readAll({ after: position })).slice(-1);
      const beyond = latest ? latest.position : position;
      // A position past the end of the log (what a checkpoint of another, longer store would name).
      const past = /^\d+$/.test(beyond) ? String(BigInt(beyond) + 1_000_000n) : undefined;
      if (past) expect(await store().eventAt(past)).toBeUndefined();
    });

    it('has one identity, the same on every call', async () => {
      const [a, b] = await Promise.all([store().storeId(), store().storeId()]);
      expect(a).toMatch(/^[0-9a-f-]{36}$/);
      expect(b).toBe(a);
      expect(await store().storeId()).toBe(a);
    });

    it('reads from the start of the log when no position is given', async () => {
      const first = await store().readAll({ maxCount: 1 });
      expect(first).toHaveLength(1);
      const next = await store().readAll({ after: first[0]!.position, maxCount: 1 });
      expect(next[0]?.position).not.toBe(first[0]!.position);
    });

    it('stores a 10,000-event stream and reads it back whole, in order', async () => {
      const s = newStreamId('big');
      const batches = 20;
      const perBatch = 500;
      let expectedRevision: number | 'no_stream' = 'no_stream';
      for (let b = 0; b < batches; b++) {
        const batch = Array.from({ length: perBatch }, (_, i) => newEvent({ i: b * perBatch + i }, 'Counted'));
        ({ nextExpectedRevision: expectedRevision } = await store().appendToStream(s, batch, { expectedRevision }));
      }
      expect(expectedRevision).toBe(batches * perBatch - 1);
      const events = await store().readStream(s);
      expect(events).toHaveLength(batches * perBatch);
      events.forEach((e, i) => {
        if (e.revision !== i || (e.data as { i: number }).i !== i) throw new Error(`event ${i} read back as revision ${e.revision}, data ${JSON.stringify(e.data)}`);
      });
      const tail = await store().readStream(s, { direction: 'backwards', maxCount: 3 });
      expect(tail.map((e) => e.revision)).toEqual([9_999, 9_998, 9_997]);
    }, 120_000);
  });

  describe('payloads', () => {
    const texts = {
      emoji: '👩🏽‍💻 🎉 🇫🇷 👍🏿 🧑‍🤝‍🧑',
      rtl: 'مرحبا بالعالم — שלום עולם — سلام',
      cjk: '你好，世界 こんにちは世界 안녕하세요 세계',
      combining: 'e\u0301 n\u0303 A\u030A Z\u0335\u0321',
      astral: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎𠜱 🀄',
      escapes: 'quote " backslash \\ slash / newline \n tab \t cr \r \\u0000 as text',
      invisible: 'zero\u200Bwidth\u200Djoiner\uFEFFbom\u2028line\u2029para',
    };

    it('round-trips unicode in data, metadata, type and stream id exactly', async () => {
      const s = newStreamId('ünïcødé-流-🚀');
      const event = newEvent({ ...texts, nested: { list: Object.values(texts) } }, 'Послание📨', { lang: 'ar', text: texts.rtl, emoji: texts.emoji });
      const start = await mark();
      await store().appendToStream(s, [event]);
      const [read] = await store().readStream(s);
      expect(read).toMatchObject({ id: event.id, type: event.type, data: event.data, metadata: event.metadata, streamId: s });
      const [logged] = await readWholeLog(store(), start, inStreams(s));
      expect(logged).toMatchObject({ type: event.type, data: event.data, metadata: event.metadata, streamId: s });
    });

    it('round-trips 64 KiB payloads and JSON values of every kind', async () => {
      const s = newStreamId();
      const payloads: unknown[] = [
        { ascii: 'x'.repeat(65_536) },
        { twoBytes: 'é'.repeat(32_768) },
        { fourBytes: '😀'.repeat(16_384) },
        { numbers: [0, -1, 1.5, -0.001, 9_007_199_254_740_991, 1e-7, 6.02e23], flags: [true, false], nothing: null, empty: { a: [], o: {} } },
        'a bare string',
        42,
        [1, 'two', { three: [3] }],
        null,
      ];
      await store().appendToStream(s, payloads.map((data) => newEvent(data)));
      const read = await store().readStream(s);
      expect(read.map((e) => e.data)).toEqual(payloads);
      expect((read[0]!.data as { ascii: string }).ascii).toHaveLength(65_536);
    });
  });

  describe('subscribeToAll', () => {
    it('catches up, then delivers live, until aborted', async () => {
      const s = newStreamId();
      const start = await mark();
      const early = [newEvent({ n: 0 }), newEvent({ n: 1 })];
      await store().appendToStream(s, early);
      const sub = follow(store(), start, inStreams(s));
      await sub.waitFor(2);
      const late = [newEvent({ n: 2 }), newEvent({ n: 3 }), newEvent({ n: 4 })];
      for (const event of late) await store().appendToStream(s, [event]);
      await sub.waitFor(5);
      await sub.stop();
      expect(sub.ended).toBe(true);
      expect(sub.events.map((e) => e.id)).toEqual([...early, ...late].map((e) => e.id));
      expect(sub.events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
      // Resuming from a delivered position continues right after it.
      const resumed = follow(store(), sub.events[2]!.position, inStreams(s));
      await resumed.waitFor(2);
      await resumed.stop();
      expect(resumed.events.map((e) => e.revision)).toEqual([3, 4]);
    });

    it('an aborted signal ends the iteration at once', async () => {
      const controller = new AbortController();
      controller.abort();
      const seen: RecordedEvent[] = [];
      for await (const e of store().subscribeToAll({ signal: controller.signal })) seen.push(e);
      expect(seen).toEqual([]);
    });
  });

  concurrencyContract(harness, mark);
}
