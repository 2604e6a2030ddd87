/**
 * Regions on one machine: one nats-server per region (its own cluster and
 * account) plus the tie-breaker cluster `witness`, joined by gateways on
 * loopback, as notes/regions-design.md lays them out. For tests and for
 * trying several regions locally; every server stops with `stop()` or when
 * the launcher is interrupted (childReaper).
 *
 * @example
 *   const sc = await startNatsSuperCluster({ regions: ['eu', 'us'], latencyMs: 80 });
 *   const eu = await connect({ servers: sc.regions.get('eu')!.url }); // nats://eu:…@127.0.0.1:…
 *   await sc.regions.get('us')!.kill(); // eu keeps JetStream: the witness holds the majority
 *   await sc.stop();
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reapOnSignal, spawnTied } from './childReaper';
import { startLatencyProxy, type LatencyProxy } from './latencyProxy';
import { regionAccount, renderRegionNatsConfig, WITNESS_CLUSTER } from './natsRegionConfig';
import { natsServerBinary, tcpReachable } from './natsServer';

export interface ClusterServer {
  /** Cluster name: the region, or `witness`. */
  name: string;
  /** Client port on 127.0.0.1. */
  port: number;
  /** Monitoring endpoint (`/gatewayz`, `/jsz`, …). */
  monitorUrl: string;
  /** Kills the server without warning (default SIGKILL) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and store; resolves once its gateways are connected and it knows the JetStream leader. */
  restart(): Promise<void>;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

export interface RegionServer extends ClusterServer {
  /** `nats://<region>:<password>@127.0.0.1:<port>`: what a service of this region is given as NATS_URL. */
  url: string;
  user: string;
  password: string;
  /** The region's NATS account, e.g. `EU`. */
  account: string;
}

export interface NatsSuperCluster {
  regions: Map<string, RegionServer>;
  witness: ClusterServer;
  /** Stops every server and proxy and removes the files it made. */
  stop(): Promise<void>;
}

export interface SuperClusterOptions {
  regions: string[];
  /** Added to every round trip between clusters: each gateway port is reached through a proxy delaying latencyMs / 2 each way. */
  latencyMs?: number;
  /** Parent of each server's JetStream store (`<storeRoot>/<cluster>`); default a temporary directory removed by stop(). */
  storeRoot?: string;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

type Ports = { client: number; cluster: number; gateway: number; http: number };

export async function startNatsSuperCluster(options: SuperClusterOptions): Promise<NatsSuperCluster> {
  // Free ports are found by binding port 0 and letting go: another process may take one before
  // nats-server binds it (tests run side by side). Every server names every other's gateway
  // port, so a clash means new ports for all.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(options: SuperClusterOptions): Promise<NatsSuperCluster> {
  const binary = natsServerBinary();
  if (!binary) throw new Error('nats-server is not installed (apt-get install nats-server)');
  const clusters = [...options.regions, WITNESS_CLUSTER];
  const dir = mkdtempSync(join(tmpdir(), 'cc-nats-regions-'));
  const storeRoot = options.storeRoot ?? join(dir, 'store');
  const passwords = Object.fromEntries(options.regions.map((r) => [r, randomBytes(12).toString('hex')]));
  const free = await freePorts(clusters.length * 4);
  const ports = new Map<string, Ports>(
    clusters.map((c, i) => [c, { client: free[i * 4]!, cluster: free[i * 4 + 1]!, gateway: free[i * 4 + 2]!, http: free[i * 4 + 3]! }]),
  );
  const proxies = new Map<string, LatencyProxy>();
  const servers: ManagedServer[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([...proxies.values()].map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    if (options.latencyMs) {
      for (const c of clusters) proxies.set(c, await startLatencyProxy(ports.get(c)!.gateway, options.latencyMs / 2));
    }
    // Everyone dials a cluster's proxy, and the cluster advertises it, so a gateway learnt by gossip goes through it too.
    const reach = (c: string) => `127.0.0.1:${proxies.get(c)?.port ?? ports.get(c)!.gateway}`;
    const gateways = Object.fromEntries(clusters.map((c) => [c, [`nats://${reach(c)}`]]));
    for (const c of clusters) {
      const storeDir = join(storeRoot, c);
      mkdirSync(storeDir, { recursive: true });
      const config = join(dir, `${c}.conf`);
      const p = ports.get(c)!;
      writeFileSync(
        config,
        renderRegionNatsConfig({
          cluster: c,
          regions: options.regions,
          gateways,
          passwords,
          ports: p,
          storeDir,
          gatewayAdvertise: proxies.has(c) ? reach(c) : undefined,
        }),
        { mode: 0o600 },
      );
      servers.push(new ManagedServer(binary, c, config, p, clusters.filter((o) => o !== c)));
    }
    await Promise.all(servers.map((s) => s.launch()));
    await Promise.all(servers.map((s) => s.untilReady()));
  } catch (err) {
    await stopAll();
    throw err;
  }

  const server = (c: string) => servers.find((s) => s.name === c)!;
  const handle = (s: ManagedServer): ClusterServer => ({
    name: s.name,
    port: s.ports.client,
    monitorUrl: s.monitorUrl,
    kill: (signal) => s.kill(signal),
    restart: async () => {
      await s.launch();
      await s.untilReady();
    },
    stop: () => s.stop(),
  });
  return {
    regions: new Map(
      options.regions.map((r) => [
        r,
        {
          ...handle(server(r)),
          url: `nats://${r}:${passwords[r]}@127.0.0.1:${ports.get(r)!.client}`,
          user: r,
          password: passwords[r]!,
          account: regionAccount(r),
        },
      ]),
    ),
    witness: handle(server(WITNESS_CLUSTER)),
    stop: stopAll,
  };
}

/** One nats-server process, started again on the same ports and store after a kill. */
class ManagedServer {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    private readonly binary: string,
    readonly name: string,
    private readonly config: string,
    readonly ports: Ports,
    private readonly peers: string[],
  ) {}

  get monitorUrl(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  async launch(): Promise<void> {
    if (this.running()) throw new Error(`nats-server ${this.name} is already running`);
    this.output = '';
    const child = spawnTied(this.binary, ['-c', this.config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    reapOnSignal(child, 'server');
    child.stderr!.on('data', (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-4_000);
    });
    const deadline = Date.now() + 10_000;
    while (!(await tcpReachable('127.0.0.1', this.ports.client))) {
      if (!this.running()) throw new Error(`nats-server ${this.name} exited with ${child.exitCode}: ${this.output}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nats-server ${this.name} did not listen within 10 s: ${this.output}`);
      }
      await sleep(25);
    }
  }

  /** Its gateways to every other cluster are up both ways and it knows the JetStream meta leader. */
  async untilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.running()) throw new Error(`nats-server ${this.name} exited: ${this.output}`);
      const gatewayz = await this.monitor<{ outbound_gateways?: Record<string, unknown>; inbound_gateways?: Record<string, unknown> }>('gatewayz');
      const jsz = await this.monitor<{ meta_cluster?: { leader?: string } }>('jsz');
      const missing = this.peers.filter((p) => !gatewayz?.outbound_gateways?.[p] || !gatewayz?.inbound_gateways?.[p]);
      const leader = jsz?.meta_cluster?.leader;
      if (missing.length === 0 && leader) return;
      last = missing.length ? `gateways to ${missing.join(', ')} not connected` : 'no JetStream meta leader';
      await sleep(100);
    }
    throw new Error(`nats-server ${this.name} not ready within ${READY_TIMEOUT_MS / 1000} s: ${last}`);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running()) return;
    this.child!.kill(signal);
    await this.exited();
  }

  async stop(): Promise<void> {
    if (!this.running()) return;
    const killer = setTimeout(() => this.child?.kill('SIGKILL'), STOP_GRACE_MS);
    this.child!.kill('SIGTERM');
    await this.exited();
    clearTimeout(killer);
  }

  private running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  private exited(): Promise<void> {
    const child = this.child!;
    return new Promise((resolve) => (this.running() ? child.once('exit', () => resolve()) : resolve()));
  }

  private async monitor<T>(path: string): Promise<T | undefined> {
    try {
      const res = await fetch(`${this.monitorUrl}/${path}`, { signal: AbortSignal.timeout(1_000) });
      return res.ok ? ((await res.json()) as T) : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Ports free now: all bound at once (so none twice), then released for the servers to take. */
async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      held.push(s);
    }
    return held.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
