import type { AgentView } from './agentView';
import type { QueuePolicy } from './policy';
import { queueStats } from './queueStats';
import type { Waiting } from './waiting';

const NOW = Date.parse('2026-11-25T10:00:00Z');

const agent = (agentId: string, over: Partial<AgentView> = {}): AgentView => ({
  agentId,
  acceptsWork: true,
  onShift: true,
  unavailableReason: '',
  skills: new Map([['billing', 3]]),
  languages: ['en'],
  translationEnabled: false,
  teamIds: [],
  capacity: { chat: 2 },
  load: {},
  idleSince: 0,
  lastAssignedAt: 0,
  holds: new Set(),
  ...over,
});

const queue = (queueId: string, over: Partial<QueuePolicy> = {}): QueuePolicy => ({
  queueId,
  name: queueId,
  channel: 'chat',
  requiredSkills: [],
  language: '',
  priority: 2,
  strategy: 'longest_idle',
  offerTimeoutSeconds: 0,
  agingSeconds: 0,
  overflow: { afterSeconds: 0, widen: false, toQueueId: '' },
  averageHandleSeconds: 300,
  teamId: '',
  revision: 1,
  ...over,
});

const waiting = (conversationId: string, queueId: string, waitedSeconds: number, teamId = ''): Waiting => ({
  tenantId: 't',
  conversationId,
  queueId,
  teamId,
  channel: 'chat',
  language: 'en',
  priority: 2,
  queuedAt: NOW - waitedSeconds * 1000,
});

describe('queueStats', () => {
  it('counts the line, its longest wait and the agents who could answer now', () => {
    const queues = [queue('support'), queue('billing', { requiredSkills: [{ name: 'billing', minLevel: 4 }] }), queue('es', { language: 'es' })];
    const agents = [
      agent('ann'),
      agent('bob', { skills: new Map([['billing', 5]]) }),
      agent('cat', { acceptsWork: false, skills: new Map([['billing', 5]]) }),
      agent('dan', { languages: ['es'] }),
      agent('eve', { capacity: { email: 3 } }),
    ];
    const stats = queueStats(queues, [waiting('c1', 'support', 30), waiting('c2', 'support', 95.5), waiting('c3', 'billing', 5)], agents, NOW);
    expect(stats).toEqual([
      { queueId: 'support', depth: 2, longestWaitSeconds: 95.5, agentsOnline: 3 },
      { queueId: 'billing', depth: 1, longestWaitSeconds: 5, agentsOnline: 1 },
      { queueId: 'es', depth: 0, longestWaitSeconds: 0, agentsOnline: 1 },
    ]);
  });

  it('shows conversations transferred to a team in that team\'s line', () => {
    const stats = queueStats([], [waiting('c1', '', 12, 'vip')], [agent('ann', { teamIds: ['vip'] }), agent('bob')], NOW);
    expect(stats).toEqual([{ queueId: 'team:vip', depth: 1, longestWaitSeconds: 12, agentsOnline: 1 }]);
  });
});
