/**
 * CPU time of each part of the pipeline while a phase runs, from /proc (Linux;
 * elsewhere the figures are left out): the seven services, the private
 * nats-server this process started, the PostgreSQL backends of the bench's
 * database, the bench client itself, and the whole machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { TestStack } from '../../support/stack';
import { sleep } from './clock';
import { round } from './round';

/** Each part's share of one core, in % (200 = both cores of a 2-core machine busy). */
export type CpuShare = Record<string, number>;

const TICKS_PER_S = 100; // USER_HZ, 100 on Linux
const PARTS = ['gateway', 'conversation', 'routing', 'presence', 'translation', 'survey', 'nats', 'postgres'];
/** Parts of a share that are not the stack: what `settle` leaves out. */
const NOT_THE_STACK = ['bench_client', 'machine', 'other_processes'];

type Snapshot = { procs: Map<number, { label: string; ticks: number }>; self: number; busy: number; total: number };

const sumExcept = (share: CpuShare, left: readonly string[]) => Object.entries(share).filter(([k]) => !left.includes(k)).reduce((a, [, v]) => a + v, 0);
const percentOfCore = (part: number, whole: number) => round((part / whole) * 100, 0) ?? 0;

export const formatCpu = (share: CpuShare | undefined) => (share ? Object.entries(share).map(([k, v]) => `${k} ${v}%`).join(', ') : 'n/a');

export class CpuMeter {
  private readonly labels = new Map<number, string>();
  private readonly dbName: string;

  constructor(stack: TestStack) {
    for (const [name, service] of stack.services) if (service.child.pid) this.labels.set(service.child.pid, name);
    this.dbName = decodeURIComponent(new URL(stack.eventStoreUrl).pathname.slice(1));
  }

  /** Starts measuring; the returned function gives each part's share of one core in %, over the time since. */
  start(): () => CpuShare | undefined {
    const before = this.snapshot();
    const t0 = performance.now();
    return () => {
      const after = this.snapshot();
      if (!before || !after) return undefined;
      const seconds = (performance.now() - t0) / 1000;
      const ticks: Record<string, number> = {};
      for (const [pid, { label, ticks: now }] of after.procs) ticks[label] = (ticks[label] ?? 0) + (now - (before.procs.get(pid)?.ticks ?? 0));
      const out: CpuShare = {};
      for (const name of PARTS) out[name] = percentOfCore((ticks[name] ?? 0) / TICKS_PER_S, seconds);
      out.bench_client = percentOfCore((after.self - before.self) / 1e6, seconds);
      // The whole machine, in % of one core as well.
      out.machine = round(((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100 * cpuCount(), 0) ?? 0;
      // Whatever else ran meanwhile (other engineers' tests on a shared machine): it competes for the same cores.
      out.other_processes = Math.max(0, out.machine - sumExcept(out, ['machine']));
      return out;
    };
  }

  /** Waits (at most `maxMs`) until the stack is nearly idle: background consumers done with the last phase. */
  async settle(maxMs = 8_000): Promise<void> {
    const until = performance.now() + maxMs;
    while (performance.now() < until) {
      const stop = this.start();
      await sleep(500);
      const share = stop();
      if (!share) return;
      if (sumExcept(share, NOT_THE_STACK) < 25) return;
    }
  }

  private labelOf(pid: number, stat: string[]): string | undefined {
    const known = this.labels.get(pid);
    if (known) return known;
    const comm = stat[1] ?? '';
    if (comm === '(nats-server)' && Number(stat[3]) === process.pid) return 'nats';
    if (comm === '(postgres)') {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (this.dbName && cmdline.includes(` ${this.dbName} `)) return 'postgres';
    }
    return undefined;
  }

  /** Ticks per process of interest, the bench's own CPU (µs) and the machine's busy and total ticks. */
  private snapshot(): Snapshot | undefined {
    try {
      const procs: Snapshot['procs'] = new Map();
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const pid = Number(entry);
        try {
          const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
          // comm may hold spaces: split after its closing parenthesis.
          const close = raw.lastIndexOf(')');
          const stat = [raw.slice(0, raw.indexOf(' ')), raw.slice(raw.indexOf(' ') + 1, close + 1), ...raw.slice(close + 2).split(' ')];
          const label = this.labelOf(pid, stat);
          if (label) procs.set(pid, { label, ticks: Number(stat[13]) + Number(stat[14]) });
        } catch {
          // gone meanwhile
        }
      }
      const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      const total = cpu.reduce((a, b) => a + b, 0);
      const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
      const usage = process.cpuUsage();
      return { procs, self: usage.user + usage.system, busy: total - idle, total };
    } catch {
      return undefined;
    }
  }
}

let cores: number | undefined;
function cpuCount(): number {
  cores ??= readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length || 1;
  return cores;
}
