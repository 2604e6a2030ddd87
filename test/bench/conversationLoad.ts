/**
 * Load time of a 10,000-event conversation through the conversation
 * repository, with and without a snapshot, on the given event store and
 * read-model database. Used by the event store benchmark.
 */
import { createLogger } from '@contactcenter/infra';
import type { EventStore } from '@contactcenter/infra/eventstore';
import type { SqlClient } from '@contactcenter/infra/sql';
import { Channel } from '@contactcenter/proto/conversation/v1';
import { randomUUID } from 'node:crypto';
import { conversationDecider, conversationEventDataToJson, conversationStreamId, type ConversationCommand } from '../../services/conversation/src/conversation';
import { ConversationRepository } from '../../services/conversation/src/store/conversationRepository';
import { META } from '../../services/conversation/src/store/eventMetadata';
import { SnapshotStore } from '../../services/conversation/src/store/snapshotStore';
import type { ConversationState } from '../../services/conversation/src/conversation';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function measureConversationLoad(events: EventStore, sql: SqlClient, eventCount = 10_000, runs = 5) {
  const tenantId = 'bench';
  const conversationId = `long-${randomUUID()}`;
  const streamId = conversationStreamId(tenantId, conversationId);
  // Build the history with the aggregate itself so every event is one it would accept.
  let state = conversationDecider.initialState();
  const meta = (i: number) => ({ tenantId, actorId: 'bench', now: new Date(Date.UTC(2026, 0, 1) + i * 1000), newId: `m-${i}` });
  const commands: ConversationCommand[] = [
    { type: 'StartConversation', data: { conversationId, channel: Channel.CHANNEL_CHAT, customerId: 'c-1', language: 'en', region: 'eu', subject: 'long' }, metadata: meta(0) },
  ];
  for (let i = 1; i < eventCount; i++) {
    commands.push({
      type: 'PostMessage',
      data: { conversationId, authorKind: i % 2 ? 1 : 2, authorId: i % 2 ? 'c-1' : 'agent-1', text: `message ${i}`, attachments: [], clientMessageId: `c-${i}`, language: '' },
      metadata: meta(i),
    } as ConversationCommand);
  }
  const batch: Parameters<EventStore['appendToStream']>[1] = [];
  for (const c of commands) {
    for (const e of conversationDecider.decide(c, state)) {
      state = conversationDecider.evolve(state, e);
      batch.push({ id: randomUUID(), type: e.type, data: conversationEventDataToJson(e), metadata: { [META.tenant]: tenantId, [META.conversation]: conversationId, [META.actor]: 'bench' } });
    }
  }
  for (let i = 0; i < batch.length; i += 500) await events.appendToStream(streamId, batch.slice(i, i + 500));

  await SnapshotStore.migrate(sql);
  const logger = createLogger('bench', 'silent');
  // A snapshot interval larger than the stream: every load folds all events.
  const withoutSnapshots = new ConversationRepository(events, new SnapshotStore<ConversationState>(sql, -1), Number.MAX_SAFE_INTEGER, logger);
  const snapshots = new SnapshotStore<ConversationState>(sql, 1);
  const withSnapshots = new ConversationRepository(events, snapshots, 100, logger);
  await snapshots.save(streamId, state.revision, state);

  const time = async (repo: ConversationRepository) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const loaded = await repo.load(tenantId, conversationId);
      samples.push(performance.now() - t0);
      if (loaded.revision !== batch.length - 1) throw new Error(`loaded revision ${loaded.revision}, expected ${batch.length - 1}`);
    }
    return median(samples);
  };
  return { events: batch.length, withoutSnapshotMs: await time(withoutSnapshots), withSnapshotMs: await time(withSnapshots) };
}
