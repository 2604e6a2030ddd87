import { replayAssignments } from './assignmentSafety';

const assigned = (conversationId: string, agentId: string) => ({ type: 'AgentAssigned', data: { conversationId, agentId } });
const resolved = (conversationId: string) => ({ type: 'ConversationResolved', data: { conversationId } });
const transferred = (conversationId: string, toAgentId: string) => ({ type: 'ConversationTransferred', data: { conversationId, toAgentId } });

describe('replayAssignments', () => {
  it('counts a place freed by a resolution or a transfer as free again', () => {
    const r = replayAssignments([assigned('c1', 'a'), assigned('c2', 'a'), resolved('c1'), assigned('c3', 'a'), transferred('c2', 'b'), assigned('c4', 'a')], 2);
    expect(r).toEqual({ assignments: 4, resolutions: 1, doubleAssignments: [], overCapacity: [], maxHeld: 2 });
  });

  it('finds an agent past their capacity', () => {
    const r = replayAssignments([assigned('c1', 'a'), assigned('c2', 'a'), assigned('c3', 'a')], 2);
    expect(r.overCapacity).toEqual([{ agentId: 'a', held: 3 }]);
    expect(r.maxHeld).toBe(3);
  });

  it('finds a conversation assigned while it was assigned, and one assigned again after it was resolved is not', () => {
    const r = replayAssignments([assigned('c1', 'a'), assigned('c1', 'b'), resolved('c1'), assigned('c2', 'a'), resolved('c2'), assigned('c2', 'b')], 5);
    expect(r.doubleAssignments).toEqual([{ conversationId: 'c1', held: 'a', assigned: 'b' }]);
    // The double assignment left c1 with b only: a holds nothing of it.
    expect(r.maxHeld).toBe(1);
  });
});
