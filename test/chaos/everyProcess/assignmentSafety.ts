/**
 * Routing's promises, checked from the event store at the end of a run: no
 * conversation assigned while it already has an assignee (a double
 * assignment: two replicas, or a retried command, deciding twice), and no
 * agent ever holding more conversations than their capacity. The tenant's
 * conversation events are replayed in the order they were inserted (routing
 * assigns only after it has seen the event that freed a place, so that order
 * respects cause and effect).
 */
import pg from 'pg';

export interface AssignmentSafety {
  assignments: number;
  resolutions: number;
  /** Conversations assigned again while assigned, with both agents. */
  doubleAssignments: { conversationId: string; held: string; assigned: string }[];
  /** Each time an agent went past their capacity. */
  overCapacity: { agentId: string; held: number }[];
  /** The most any agent held at once: equal to the capacity when the run put the bound to the test. */
  maxHeld: number;
}

type Row = { type: string; data: { conversationId?: string; agentId?: string; toAgentId?: string } };

export async function assignmentSafety(eventStoreUrl: string, tenant: string, capacity: number): Promise<AssignmentSafety> {
  const client = new pg.Client({ connectionString: eventStoreUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  let rows: Row[];
  try {
    ({ rows } = await client.query<Row>(
      `SELECT type, data FROM es_events
        WHERE stream_id LIKE $1 AND type IN ('AgentAssigned', 'ConversationTransferred', 'ConversationResolved')
        ORDER BY position`,
      [`conversation-${tenant}:%`],
    ));
  } finally {
    await client.end().catch(() => undefined);
  }
  return replayAssignments(rows, capacity);
}

/** The check itself, over events in order (exported for its unit test). */
export function replayAssignments(rows: readonly Row[], capacity: number): AssignmentSafety {
  const assignee = new Map<string, string>();
  const holding = new Map<string, Set<string>>();
  const result: AssignmentSafety = { assignments: 0, resolutions: 0, doubleAssignments: [], overCapacity: [], maxHeld: 0 };
  const hold = (agentId: string, conversationId: string) => {
    const held = holding.get(agentId) ?? new Set<string>();
    held.add(conversationId);
    holding.set(agentId, held);
    result.maxHeld = Math.max(result.maxHeld, held.size);
    if (held.size > capacity) result.overCapacity.push({ agentId, held: held.size });
    assignee.set(conversationId, agentId);
  };
  const release = (conversationId: string) => {
    const agentId = assignee.get(conversationId);
    if (agentId !== undefined) holding.get(agentId)?.delete(conversationId);
    assignee.delete(conversationId);
  };
  for (const { type, data } of rows) {
    const conversationId = data.conversationId ?? '';
    if (type === 'AgentAssigned') {
      result.assignments++;
      const held = assignee.get(conversationId);
      if (held !== undefined) result.doubleAssignments.push({ conversationId, held, assigned: data.agentId ?? '' });
      release(conversationId);
      hold(data.agentId ?? '', conversationId);
    } else if (type === 'ConversationTransferred') {
      release(conversationId);
      if (data.toAgentId) hold(data.toAgentId, conversationId);
    } else if (type === 'ConversationResolved') {
      result.resolutions++;
      release(conversationId);
    }
  }
  return result;
}
