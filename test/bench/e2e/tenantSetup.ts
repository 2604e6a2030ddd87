/**
 * A fresh tenant set up through the gateway's admin API, as an administrator
 * would: the agents (each online with its desk socket open), the queue, and
 * a widget key for the visitors.
 */
import type { TestStack } from '../../support/stack';
import { AgentDesk, type DeskSinks } from './agentDesk';
import type { GatewayHttp } from './gatewayHttp';
import { settings } from './settings';

export interface BenchTenant {
  desks: AgentDesk[];
  widgetKey: string;
}

/** The tenant's shape: the bench's settings unless a caller (the chaos suite) gives its own. */
export type TenantShape = Pick<typeof settings, 'tenant' | 'agents' | 'agentCapacity' | 'queue'>;

export async function setUpTenant(stack: Pick<TestStack, 'token'>, http: GatewayHttp, sinks: DeskSinks, shape: TenantShape = settings): Promise<BenchTenant> {
  const { tenant, agents, agentCapacity, queue } = shape;
  const admin = stack.token(tenant, 'bench-admin', ['admin']);
  const desks = Array.from({ length: agents }, (_, i) => {
    const agentId = `agent-${i + 1}`;
    return new AgentDesk(agentId, stack.token(tenant, agentId, ['agent']), http, sinks);
  });
  for (const desk of desks) {
    await http.api('PUT', `/v1/admin/agents/${desk.agentId}`, admin, {
      displayName: `Bench agent ${desk.agentId}`,
      skills: [{ name: 'support', level: 5 }],
      languages: ['en'],
      capacity: { chat: agentCapacity },
      translationEnabled: false,
      teamIds: [],
    });
  }
  // Enums by name (proto3 JSON), as the gateway's body schema requires: PRIORITY_UNSPECIFIED is the 0 a number used to say.
  await http.api('PUT', `/v1/admin/queues/${queue}`, admin, { name: 'Bench', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', averageHandleSeconds: 120, priority: 'PRIORITY_UNSPECIFIED' });
  for (const desk of desks) await desk.goOnline();
  const { widgetKey } = await http.api<{ widgetKey: string }>('POST', '/v1/admin/widget-keys', admin);
  return { desks, widgetKey };
}
