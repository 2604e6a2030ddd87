/**
 * Idle sockets on one gateway, as a contact center has them at its peak:
 * thousands of visitors with the widget open and nothing to say, and the
 * agents' desks. Each visitor socket is its own visitor session (created
 * through the gateway, as the widget does); each staff socket its own agent.
 * The gateway's resident memory (VmRSS, from /proc) is read before and after
 * each kind is opened, so the figure per socket includes everything the
 * gateway keeps for one: the WebSocket, its session, its listener in the
 * event hub, its typing subscription.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import type { TestStack } from '../../support/stack';
import type { GatewayHttp } from './gatewayHttp';
import { log } from './progressLog';

export interface IdleSockets {
  visitors: number;
  staff: number;
  /** Gateway RSS growth per idle visitor socket and per idle staff socket, in bytes. */
  bytesPerVisitorSocket: number;
  bytesPerStaffSocket: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  close(): Promise<void>;
}

const OPEN_CONCURRENCY = 64;

export async function openIdleSockets(stack: TestStack, http: GatewayHttp, o: { tenant: string; widgetKey: string; visitors: number; staff: number }): Promise<IdleSockets> {
  const pid = stack.services.get('gateway')?.child.pid;
  if (!pid) throw new Error('the gateway process has no pid');
  const wsUrl = `${stack.gatewayUrl.replace(/^http/, 'ws')}/v1/realtime`;
  const open: WebSocket[] = [];
  const connect = (token: string) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, ['cc.realtime.v1', `bearer.${token}`]);
      ws.once('message', () => resolve()); // the ready frame
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`socket refused: HTTP ${res.statusCode}`)));
      open.push(ws);
    });
  const settledRss = async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    return rssOf(pid);
  };

  const before = await settledRss();
  const t0 = performance.now();
  await eachLimited(o.visitors, OPEN_CONCURRENCY, async () => {
    const { token } = await http.api<{ token: string }>('POST', '/v1/visitor/sessions', undefined, { widgetKey: o.widgetKey });
    await connect(token);
  });
  const afterVisitors = await settledRss();
  log(`${o.visitors} idle visitor sockets open in ${Math.round(performance.now() - t0)} ms; gateway RSS ${mb(before)} → ${mb(afterVisitors)}`);
  await eachLimited(o.staff, OPEN_CONCURRENCY, async (i) => connect(stack.token(o.tenant, `idle-agent-${i}`)));
  const afterStaff = await settledRss();
  log(`${o.staff} idle staff sockets open; gateway RSS ${mb(afterStaff)}`);
  return {
    visitors: o.visitors,
    staff: o.staff,
    bytesPerVisitorSocket: o.visitors ? Math.round((afterVisitors - before) / o.visitors) : 0,
    bytesPerStaffSocket: o.staff ? Math.round((afterStaff - afterVisitors) / o.staff) : 0,
    rssBeforeBytes: before,
    rssAfterBytes: afterStaff,
    async close() {
      for (const ws of open) ws.terminate();
    },
  };
}

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

async function eachLimited(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}
