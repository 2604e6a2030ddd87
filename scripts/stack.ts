/**
 * Starts the services as separate Node processes and tells when each is
 * ready (it logs `ready` with its ports). Used by `npm start` and by the
 * end-to-end tests, so both run the stack the same way.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { reapOnSignal, spawnTied } from './childReaper';
import { startTcpBalancer, type TcpBalancer } from './tcpBalancer';

export const ROOT = join(__dirname, '..');
export const BACKEND_SERVICES = ['conversation', 'routing', 'presence', 'translation', 'survey', 'channels'] as const;
/**
 * V8 flags every service runs with, here as in the image (Dockerfile): a 32 MB young generation,
 * where the default 16 MB let garbage collection take 15–19 % of the services' CPU in bench:routing.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=32'];
export type BackendName = (typeof BACKEND_SERVICES)[number];
export type ServiceName = BackendName | 'gateway';

export interface ReadyInfo {
  grpcPort: number;
  metricsPort: number;
  httpPort?: number;
  /** The channels service's inbound SMTP listener. */
  smtpPort?: number;
}

/** Children still running; killed if the launcher itself exits abruptly. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A line a service printed; `replica` is which of its processes (0 when it runs one). */
export type LogLine = { service: ServiceName; stream: 'stdout' | 'stderr'; line: string; replica?: number };

export class ServiceProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<ReadyInfo>;
  readonly exited: Promise<number | null>;
  readonly output: string[] = [];
  private httpPort: number | undefined;
  private smtpPort: number | undefined;

  constructor(
    readonly name: ServiceName,
    env: Record<string, string>,
    onLine?: (l: LogLine) => void,
  ) {
    // SERVICES_CPU_PROFILE_DIR: each service writes a V8 CPU profile there when it exits (where a benchmark's time went).
    const profile = process.env.SERVICES_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.SERVICES_CPU_PROFILE_DIR, name)}`] : [];
    // Tied: a launcher killed outright (SIGKILL) still takes its services with it.
    this.child = spawnTied(process.execPath, [...SERVICE_NODE_FLAGS, ...profile, '--import', 'tsx', join(ROOT, 'services', name, 'src', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a Ctrl-C in the terminal reaches only the launcher,
      // which then stops each service in order with one SIGTERM.
      detached: true,
    });
    live.add(this.child);
    // Interrupted (Ctrl-C, a timeout's SIGTERM), the launcher stops it before exiting: its own process group does not get the signal.
    reapOnSignal(this.child, 'service');
    this.child.once('exit', () => live.delete(this.child));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
    this.ready = new Promise((resolve, reject) => {
      const read = (stream: 'stdout' | 'stderr') =>
        createInterface({ input: this.child[stream]! }).on('line', (line) => {
          this.output.push(line);
          if (this.output.length > 2_000) this.output.shift();
          onLine?.({ service: name, stream, line });
          if (stream !== 'stdout' || !line.startsWith('{')) return;
          try {
            const rec = JSON.parse(line) as Record<string, unknown>;
            if (typeof rec.http_port === 'number') this.httpPort = rec.http_port;
            if (typeof rec.smtp_port === 'number') this.smtpPort = rec.smtp_port;
            if (rec.msg === 'ready') resolve({ grpcPort: Number(rec.grpc_port), metricsPort: Number(rec.metrics_port), httpPort: this.httpPort, smtpPort: this.smtpPort });
          } catch {
            // not a log record
          }
        });
      read('stdout');
      read('stderr');
      void this.exited.then((code) => reject(new Error(`${name} exited with code ${code} before it was ready:\n${this.output.slice(-20).join('\n')}`)));
    });
    this.ready.catch(() => undefined);
  }

  /**
   * Stops it and resolves with its exit code. A stop already asked for (by
   * this launcher's teardown or by the child reaper on an interrupt) is not
   * asked again: a service takes a second SIGTERM as "exit now" and skips the
   * rest of its shutdown. SIGKILL is always sent.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null && (signal === 'SIGKILL' || !this.child.killed)) this.child.kill(signal);
    return this.exited;
  }
}

export interface StackOptions {
  natsUrl: string;
  eventStoreUrl: string;
  jwtSecret: string;
  /** 'fixed': the documented ports (gateway 8080, gRPC 50050-50055). 'free': let the OS pick (tests). */
  ports: 'fixed' | 'free';
  httpHost?: string;
  logLevel?: string;
  extraEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  onLine?: (l: LogLine) => void;
  /** The survey service's metrics database (default: embedded PGlite under .data/survey-metrics). */
  surveyDatabaseUrl?: string;
  /**
   * Processes per service (default 1). With more, each peer address is gRPC's
   * static list of the replicas (`ipv4:…`, balanced round-robin) and the
   * gateways sit behind a round-robin TCP balancer whose address is `gatewayUrl`.
   * Needs a shared event store and NATS (not PGlite).
   */
  replicas?: number;
  /** REGION and REGIONS of every process: the region this stack is, and every region of the deployment (default: one region, `local`). */
  region?: string;
  regions?: readonly string[];
  /** The gateway's HTTP port (with one replica; default: HTTP_PORT or 8080 when `ports` is 'fixed', else free): a second region on one machine takes another. */
  gatewayHttpPort?: number;
}

const FIXED_GRPC: Record<ServiceName, number> = { gateway: 50050, conversation: 50051, routing: 50052, presence: 50053, translation: 50054, survey: 50055, channels: 50057 };
const FIXED_METRICS: Record<ServiceName, number> = { gateway: 9460, conversation: 9461, routing: 9462, presence: 9463, translation: 9464, survey: 9465, channels: 9467 };
/** The channels service's documented listeners: inbound SMTP and Meta's webhooks. */
const FIXED_SMTP = 2525;
const FIXED_CHANNELS_HTTP = 8090;

export interface Stack {
  /** The first replica of each service. */
  services: Map<ServiceName, ServiceProcess>;
  /** The first replica's ports. */
  ports: Map<ServiceName, ReadyInfo>;
  /** Every replica of each service, in the order they were started. */
  replicas: Map<ServiceName, ServiceProcess[]>;
  /** Every replica's ports. */
  replicaPorts: Map<ServiceName, ReadyInfo[]>;
  gatewayUrl: string;
  /** In front of the gateways when there are several. */
  balancer?: TcpBalancer;
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) to one replica (default the first) of a service and waits for its exit (chaos tests). */
  kill(name: ServiceName, signal?: NodeJS.Signals, replica?: number): Promise<number | null>;
  /**
   * Starts a replica that exited (or was killed) again, with the env and on the
   * ports it had, so that its peers and clients find it where they look; resolves once it is ready.
   */
  restart(name: ServiceName, replica?: number): Promise<ReadyInfo>;
}

/** Starts the six backends (conversation, routing, presence, translation, survey, channels), then the gateway pointed at their gRPC ports; each `replicas` times. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const count = opts.replicas ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new Error(`replicas must be a whole number ≥ 1, got ${count}`);
  const replicas = new Map<ServiceName, ServiceProcess[]>();
  const replicaPorts = new Map<ServiceName, ReadyInfo[]>();
  let balancer: TcpBalancer | undefined;
  const all = () => [...replicas.values()].flat();
  const stop = async () => {
    // The gateways first (they stop taking requests), then the rest.
    await Promise.all((replicas.get('gateway') ?? []).map((s) => s.stop('SIGTERM')));
    await balancer?.close();
    await Promise.all(all().map((s) => s.stop('SIGTERM')));
  };
  /** What each replica was started with, for restart(). */
  const startedWith = new Map<string, Record<string, string>>();
  const launch = (name: ServiceName, replica: number, env: Record<string, string>) => {
    startedWith.set(`${name}#${replica}`, env);
    const onLine = opts.onLine;
    const proc = new ServiceProcess(name, env, onLine && ((l) => onLine({ ...l, replica })));
    const list = replicas.get(name) ?? [];
    list[replica] = proc;
    replicas.set(name, list);
    return proc;
  };
  const replicaOf = (name: ServiceName, replica: number) => {
    const proc = replicas.get(name)?.[replica];
    if (!proc) throw new Error(`${name} has no replica ${replica} (it runs ${replicas.get(name)?.length ?? 0})`);
    return proc;
  };
  const kill = (name: ServiceName, signal: NodeJS.Signals = 'SIGKILL', replica = 0) => replicaOf(name, replica).stop(signal);
  const restart = async (name: ServiceName, replica = 0): Promise<ReadyInfo> => {
    const running = replicaOf(name, replica);
    if (running.child.exitCode === null && running.child.signalCode === null) throw new Error(`${name} replica ${replica} is still running: kill it first`);
    const was = replicaPorts.get(name)![replica]!;
    // The ports it had, not free ones: its peers keep dialling the old address.
    const info = await launch(name, replica, {
      ...startedWith.get(`${name}#${replica}`)!,
      GRPC_PORT: String(was.grpcPort),
      METRICS_PORT: String(was.metricsPort),
      ...(was.httpPort !== undefined ? { [name === 'channels' ? 'CHANNELS_HTTP_PORT' : 'HTTP_PORT']: String(was.httpPort) } : {}),
      ...(was.smtpPort !== undefined ? { SMTP_PORT: String(was.smtpPort) } : {}),
    }).ready;
    replicaPorts.get(name)![replica] = info;
    return info;
  };
  /** The documented ports go to the first replica; the others take free ones. */
  const fixed = (replica: number) => opts.ports === 'fixed' && replica === 0;
  const envFor = (name: ServiceName, replica: number): Record<string, string> => ({
    NATS_URL: opts.natsUrl,
    LOG_LEVEL: opts.logLevel ?? 'info',
    GRPC_PORT: String(fixed(replica) ? FIXED_GRPC[name] : 0),
    METRICS_PORT: String(fixed(replica) ? FIXED_METRICS[name] : 0),
    EVENT_STORE_URL: opts.eventStoreUrl,
    ...(opts.region ? { REGION: opts.region } : {}),
    ...(opts.regions ? { REGIONS: opts.regions.join(',') } : {}),
    ...(name === 'survey' ? { SURVEY_DATABASE_URL: opts.surveyDatabaseUrl ?? `pglite://${join(ROOT, '.data', 'survey-metrics')}` } : {}),
    ...(name === 'channels'
      ? {
          SMTP_PORT: String(fixed(replica) ? FIXED_SMTP : 0),
          CHANNELS_HTTP_PORT: String(fixed(replica) ? FIXED_CHANNELS_HTTP : 0),
          ATTACHMENTS_DIR: join(ROOT, '.data', 'attachments'),
        }
      : {}),
    ...(opts.extraEnv?.[name] ?? {}),
  });
  const startAll = async (names: readonly ServiceName[], env: (name: ServiceName, replica: number) => Record<string, string>) => {
    // All launched at once; then each service's ports, as its replicas say they are ready.
    for (const name of names) for (let replica = 0; replica < count; replica++) launch(name, replica, env(name, replica));
    for (const name of names) replicaPorts.set(name, await Promise.all(replicas.get(name)!.map((p) => p.ready)));
  };
  /** One replica: `127.0.0.1:port`; several: gRPC's static list, which the clients balance round-robin. */
  const addr = (n: BackendName) => {
    const ports = replicaPorts.get(n)!.map((p) => `127.0.0.1:${p.grpcPort}`);
    return ports.length === 1 ? ports[0]! : `ipv4:${ports.join(',')}`;
  };
  try {
    // Routing, translation and survey call conversation and presence, so they start once those listen.
    const dependent: BackendName[] = ['routing', 'translation', 'survey'];
    const later: BackendName[] = [...dependent, 'channels'];
    await startAll(BACKEND_SERVICES.filter((n) => !later.includes(n)), envFor);
    const peerEnv = () => ({ CONVERSATION_GRPC_ADDR: addr('conversation'), PRESENCE_GRPC_ADDR: addr('presence') });
    await startAll(dependent, (name, replica) => ({ ...peerEnv(), ...envFor(name, replica) }));
    // Channels queue what arrives with routing.
    await startAll(['channels'], (name, replica) => ({ ...peerEnv(), ROUTING_GRPC_ADDR: addr('routing'), ...envFor(name, replica) }));
    const host = opts.httpHost ?? '127.0.0.1';
    const documentedHttpPort = String(opts.gatewayHttpPort ?? process.env.HTTP_PORT ?? '8080');
    await startAll(['gateway'], (name, replica) => ({
      ...envFor(name, replica),
      HTTP_HOST: count > 1 ? '127.0.0.1' : host,
      // Several gateways: the balancer takes the documented port.
      HTTP_PORT: (fixed(replica) || (opts.gatewayHttpPort !== undefined && replica === 0)) && count === 1 ? documentedHttpPort : '0',
      JWT_SECRET: opts.jwtSecret,
      CONVERSATION_GRPC_ADDR: addr('conversation'),
      ROUTING_GRPC_ADDR: addr('routing'),
      PRESENCE_GRPC_ADDR: addr('presence'),
      TRANSLATION_GRPC_ADDR: addr('translation'),
      SURVEY_GRPC_ADDR: addr('survey'),
      CHANNELS_GRPC_ADDR: addr('channels'),
    }));
    let gatewayUrl = `http://${host}:${replicaPorts.get('gateway')![0]!.httpPort}`;
    if (count > 1) {
      balancer = await startTcpBalancer(() => replicaPorts.get('gateway')!.map((p) => p.httpPort!), {
        host,
        port: opts.ports === 'fixed' ? Number(documentedHttpPort) : 0,
        backendHost: '127.0.0.1',
      });
      gatewayUrl = `http://${host}:${balancer.port}`;
    }
    const firsts = <T>(m: Map<ServiceName, T[]>) => new Map([...m].map(([name, list]) => [name, list[0]!] as const));
    return {
      get services() {
        return firsts(replicas);
      },
      get ports() {
        return firsts(replicaPorts);
      },
      replicas,
      replicaPorts,
      gatewayUrl,
      balancer,
      stop,
      kill,
      restart,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export type { ChildProcess };
