/**
 * Routing what-ifs from the command line, against a running stack (`npm start`):
 * replays a recorded window of a tenant's traffic under a changed policy and
 * prints, per queue and hour, what was recorded beside what the replay gives,
 * and the Erlang C / Erlang A staffing for the same traffic.
 *
 *   npm run simulate:routing -- --tenant acme --from 2026-03-02T08:00:00Z --to 2026-03-02T20:00:00Z [--change change.json] [--json]
 *   npm run simulate:routing -- --demo
 *
 * `--change` is a JSON file in the request's proto3 JSON shape, e.g.
 *   { "queueChanges": [{ "queueId": "support", "strategy": "STRATEGY_ROUND_ROBIN" }],
 *     "staffing": [{ "skill": "billing", "language": "de", "add": 2 }],
 *     "shiftMoves": [{ "agentId": "ana", "minutes": -60 }],
 *     "serviceLevelTargetSeconds": 20, "serviceLevelGoal": 0.8 }
 * `--demo` first records a short real window (about 30 s: two agents, a dozen
 * visitors) on a fresh tenant through the running services, then replays it
 * with one more agent. The window is read by the routing service from the
 * events stream; nothing is written by the replay.
 */
import { createGrpcClient, unary } from '@contactcenter/infra';
import { ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { RoutingServiceClient, SimulateRoutingRequest, SimulateRoutingResponse, type QueueHourFigures } from '@contactcenter/proto/routing/v1';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { driveTraffic } from '../services/routing/src/simulation/demoTraffic';

const { values: args } = parseArgs({
  options: {
    tenant: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    change: { type: 'string' },
    json: { type: 'boolean', default: false },
    demo: { type: 'boolean', default: false },
    routing: { type: 'string', default: process.env.ROUTING_GRPC_ADDR ?? '127.0.0.1:50052' },
    conversation: { type: 'string', default: process.env.CONVERSATION_GRPC_ADDR ?? '127.0.0.1:50051' },
    presence: { type: 'string', default: process.env.PRESENCE_GRPC_ADDR ?? '127.0.0.1:50053' },
  },
});

const fail = (message: string): never => {
  process.stderr.write(`${message}\nUsage: npm run simulate:routing -- --tenant <id> --from <ISO time> --to <ISO time> [--change file.json] [--json] | --demo\n`);
  process.exit(2);
};

const time = (name: string, value: string | undefined): Date => {
  const t = new Date(value ?? '');
  return Number.isNaN(t.getTime()) ? fail(`--${name} must be an ISO 8601 time, got ${JSON.stringify(value)}`) : t;
};

const key = (r: { queueId: string; hourStart?: Date }) => `${r.queueId}|${r.hourStart?.toISOString()}`;

function print(res: SimulateRoutingResponse): void {
  const recorded = new Map(res.recorded.map((r) => [key(r), r]));
  const staffing = new Map(res.staffing.map((s) => [key(s), s]));
  const pct = (x: number | undefined) => (x === undefined ? '' : `${Math.round(x * 100)}%`);
  process.stdout.write(`${res.conversations} conversations, ${res.agents} agents in the replay\n`);
  console.table(
    res.simulated.map((s: QueueHourFigures) => {
      const r = recorded.get(key(s));
      const e = staffing.get(key(s));
      return {
        hour: s.hourStart?.toISOString().slice(0, 16),
        queue: s.queueId,
        arrivals: s.arrivals,
        'wait p90 rec/sim (s)': `${r?.waitP90Seconds ?? ''} / ${s.waitP90Seconds}`,
        'service level rec/sim': `${pct(r?.serviceLevel)} / ${pct(s.serviceLevel)}`,
        'abandoned rec/sim': `${r?.abandoned ?? ''} / ${s.abandoned}`,
        occupancy: pct(s.occupancy),
        'agents at work': s.agentsWorking,
        'Erlang C/A agents': e ? `${e.erlangCAgents} / ${e.erlangAAgents}` : '',
      };
    }),
  );
}

async function main(): Promise<void> {
  const routing = createGrpcClient(RoutingServiceClient, args.routing!);
  try {
    let tenantId = args.tenant;
    let window: { start: Date; end: Date };
    let change: Record<string, unknown> = args.change ? JSON.parse(readFileSync(args.change, 'utf8')) : {};
    if (args.demo) {
      const conversation = createGrpcClient(ConversationServiceClient, args.conversation!);
      const presence = createGrpcClient(PresenceServiceClient, args.presence!);
      tenantId = `demo-sim-${randomUUID().slice(0, 8)}`;
      process.stdout.write(`recording a short window of real traffic on tenant ${tenantId} …\n`);
      try {
        const handleMs = Array.from({ length: 12 }, (_, i) => 3_000 + ((i * 7) % 5) * 700);
        const t = await driveTraffic({ conversation, presence, routing }, { tenantId, agentIds: ['ana', 'bo'], handleMs, gapMs: 1_000, lastLeavesAfterMs: 1_500 });
        window = { start: new Date(t.start), end: new Date(t.end) };
      } finally {
        conversation.close();
        presence.close();
      }
      change = { staffing: [{ skill: 'billing', language: 'en', add: 1, remove: 0 }], serviceLevelTargetSeconds: 2, ...change };
      process.stdout.write(`replaying it with one more agent: ${JSON.stringify(change)}\n`);
    } else {
      if (!tenantId) fail('--tenant is required (or --demo)');
      window = { start: time('from', args.from), end: time('to', args.to) };
    }
    const req = SimulateRoutingRequest.fromJSON({ ...change, windowStart: window.start.toISOString(), windowEnd: window.end.toISOString() });
    const started = Date.now();
    const res = await unary(routing, routing.simulateRouting, req, { tenantId: tenantId!, actorId: 'simulate-routing-cli', deadlineMs: 300_000 });
    if (args.json) process.stdout.write(`${JSON.stringify(SimulateRoutingResponse.toJSON(res), null, 2)}\n`);
    else print(res);
    process.stderr.write(`replayed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    routing.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.name}: ${err.message}\n`);
  process.exit(1);
});
