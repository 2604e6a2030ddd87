import { IllegalStateError, NotFoundError } from '@contactcenter/infra/errors';
import type { TransferTarget } from './commands';
import { conversationDecider } from './conversationDecider';
import { assigned, command, event, queued, reopened, resolved, started, transferredToTeam } from './conversationFixtures';
import { DeciderSpecification } from './deciderSpec';

const spec = DeciderSpecification.for(conversationDecider);

describe('QueueConversation', () => {
  const queue = (queueId = 'support-pt') => command('QueueConversation', { queueId });

  it('queues an open conversation', () => {
    spec.given([started()]).when(queue()).then([queued()]);
  });

  it('queues a reopened conversation again', () => {
    spec.given([started(), assigned(), resolved(), reopened()]).when(queue()).then([queued()]);
  });

  it('is a no-op in the queue it already waits in, and moves it to another queue', () => {
    spec.given([started(), queued('support-pt')]).when(queue('support-pt')).thenNothingHappens();
    spec.given([started(), queued('support-pt')]).when(queue('billing')).then([queued('billing')]);
  });

  it('refuses while an agent holds it', () => {
    spec.given([started(), queued(), assigned('agent-7')]).when(queue()).thenThrows(IllegalStateError, 'assigned to agent "agent-7"');
  });

  it('refuses a resolved conversation', () => {
    spec.given([started(), resolved()]).when(queue()).thenThrows(IllegalStateError, 'is resolved');
  });

  it('records when the queue\'s service level wants the first reply, only when it promises one', () => {
    const dueAt = new Date('2025-03-04T09:06:07.000Z');
    spec.given([started()]).when(command('QueueConversation', { queueId: 'email-de', firstReplyDueAt: dueAt })).then([event('ConversationQueued', { queueId: 'email-de', teamId: '', firstReplyDueAt: dueAt })]);
    spec.given([started()]).when(command('QueueConversation', { queueId: 'email-de', firstReplyDueAt: undefined })).then([queued('email-de')]);
    spec.given([started()]).when(command('QueueConversation', { queueId: 'email-de', firstReplyDueAt: new Date(NaN) })).thenRejectsField('first_reply_due_at');
  });

  it('validates queue_id and needs a started conversation', () => {
    spec.given([started()]).when(queue('')).thenRejectsField('queue_id');
    spec.given([started()]).when(queue('a.b')).thenRejectsField('queue_id');
    spec.given([]).when(queue()).thenThrows(NotFoundError);
  });
});

describe('AssignAgent', () => {
  const assign = (agentId = 'agent-7', reason = 'least busy') => command('AssignAgent', { agentId, reason });

  it('assigns a queued or open conversation', () => {
    spec.given([started(), queued()]).when(assign()).then([assigned()]);
    spec.given([started()]).when(assign('agent-8', '')).then([assigned('agent-8', '')]);
  });

  it('keeps routing\'s explanation of the choice on the event', () => {
    const decision = {
      strategy: 'least_busy',
      policyVersion: 'support@4',
      queueId: 'support',
      candidates: [{ agentId: 'agent-7', load: 1, capacity: 3, idleSince: undefined, lastAssignedAt: undefined, rank: 1, chosen: true, viaTranslation: false }],
      eligibleCount: 1,
      excluded: { at_capacity: 2 },
      effectivePriority: 3,
      waitedMs: 1200,
      widened: false,
    };
    spec
      .given([started(), queued()])
      .when(command('AssignAgent', { agentId: 'agent-7', reason: 'most spare capacity', decision }))
      .then([event('AgentAssigned', { agentId: 'agent-7', reason: 'most spare capacity', decision })]);
  });

  it("names another region's agent and why that region served it (follow-the-sun)", () => {
    const regionReason = 'no eligible agent on shift in eu (22:30 Europe/Berlin); us has 3 on shift with 5 free slots (16:30 America/New_York)';
    const decision = {
      strategy: 'least_busy',
      policyVersion: 'support@4',
      queueId: 'support',
      candidates: [],
      eligibleCount: 3,
      excluded: {},
      effectivePriority: 2,
      waitedMs: 500,
      widened: false,
      regionReason,
    };
    spec
      .given([started(), queued()])
      .when(command('AssignAgent', { agentId: 'us-ann', reason: `follow-the-sun: ${regionReason}`, decision, agentRegion: 'us' }))
      .then([event('AgentAssigned', { agentId: 'us-ann', reason: `follow-the-sun: ${regionReason}`, decision, agentRegion: 'us' })]);
  });

  it('validates agent_region', () => {
    for (const bad of ['US', 'us_east', '-us', 'us-', 'u'.repeat(33)]) {
      spec.given([started(), queued()]).when(command('AssignAgent', { agentId: 'a1', reason: '', agentRegion: bad })).thenRejectsField('agent_region');
    }
    spec.given([started(), queued()]).when(command('AssignAgent', { agentId: 'a1', reason: '', agentRegion: 'us-east-1' })).then([assigned('a1', '', 'us-east-1')]);
  });

  it('never gives a conversation a second assignee', () => {
    spec.given([started(), queued(), assigned('agent-7')]).when(assign('agent-8')).thenThrows(
      IllegalStateError,
      'already assigned to agent "agent-7"',
    );
  });

  it('is idempotent for the agent who already holds it', () => {
    spec.given([started(), queued(), assigned('agent-7')]).when(assign('agent-7', 'retry')).thenNothingHappens();
  });

  it('can assign again after a transfer to a team', () => {
    spec.given([started(), assigned('agent-7'), transferredToTeam('billing', 'agent-7')]).when(assign('agent-8')).then([
      assigned('agent-8'),
    ]);
  });

  it('refuses a resolved conversation', () => {
    spec.given([started(), assigned(), resolved()]).when(assign()).thenThrows(IllegalStateError, 'is resolved');
  });

  it('validates agent_id and reason', () => {
    spec.given([started()]).when(assign('')).thenRejectsField('agent_id');
    spec.given([started()]).when(assign('agent-7', 'r'.repeat(1001))).thenRejectsField('reason', '1000');
    spec.given([started()]).when(assign('agent-7', 'r'.repeat(1000))).then([assigned('agent-7', 'r'.repeat(1000))]);
  });

  it('needs a started conversation', () => {
    spec.given([]).when(assign()).thenThrows(NotFoundError);
  });
});

describe('TransferConversation', () => {
  const transfer = (target: TransferTarget | undefined, reason = 'needs billing') =>
    command('TransferConversation', { target, reason });
  const toAgent = (value: string): TransferTarget => ({ $case: 'toAgentId', value });
  const toTeam = (value: string): TransferTarget => ({ $case: 'toTeamId', value });
  const transferred = (data: { fromAgentId?: string; toAgentId?: string; toTeamId?: string; reason?: string }) =>
    event('ConversationTransferred', {
      fromAgentId: '',
      toAgentId: '',
      toTeamId: '',
      reason: 'needs billing',
      transferredBy: 'agent-7',
      ...data,
    });

  it('hands an assigned conversation to another agent', () => {
    spec.given([started(), assigned('agent-7')]).when(transfer(toAgent('agent-8'))).then([
      transferred({ fromAgentId: 'agent-7', toAgentId: 'agent-8' }),
    ]);
  });

  it('hands an assigned conversation to a team', () => {
    spec.given([started(), assigned('agent-7')]).when(transfer(toTeam('billing'))).then([
      transferred({ fromAgentId: 'agent-7', toTeamId: 'billing' }),
    ]);
  });

  it('transfers a waiting conversation, from no agent', () => {
    spec.given([started(), queued()]).when(transfer(toAgent('agent-8'), '')).then([transferred({ toAgentId: 'agent-8', reason: '' })]);
    spec.given([started(), queued()]).when(transfer(toTeam('billing'))).then([transferred({ toTeamId: 'billing' })]);
  });

  it('refuses to transfer to the agent who holds it', () => {
    spec.given([started(), assigned('agent-7')]).when(transfer(toAgent('agent-7'))).thenThrows(
      IllegalStateError,
      'agent "agent-7" already holds',
    );
  });

  it('refuses to transfer to the team it already waits for', () => {
    spec.given([started(), transferredToTeam('billing')]).when(transfer(toTeam('billing'))).thenThrows(
      IllegalStateError,
      'already waiting for team "billing"',
    );
  });

  it('refuses a resolved conversation', () => {
    spec.given([started(), assigned(), resolved()]).when(transfer(toAgent('agent-8'))).thenThrows(
      IllegalStateError,
      'cannot be transferred',
    );
  });

  it('validates the target and reason', () => {
    spec.given([started(), assigned()]).when(transfer(undefined)).thenRejectsField('target');
    spec.given([started(), assigned()]).when(transfer(toAgent(''))).thenRejectsField('to_agent_id');
    spec.given([started(), assigned()]).when(transfer(toTeam('bill ing'))).thenRejectsField('to_team_id');
    spec.given([started(), assigned()]).when(transfer(toTeam('billing'), 'x'.repeat(1001))).thenRejectsField('reason');
  });

  it('needs a started conversation', () => {
    spec.given([]).when(transfer(toAgent('agent-8'))).thenThrows(NotFoundError);
  });
});
