/**
 * Starts the services as separate Node processes and tells when each is
 * ready (it logs `ready` with its ports). Used by `npm start` and by the
 * end-to-end tests, so both run the stack the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { reapOnSignal } from './childReaper';

export const ROOT = join(__dirname, '..');
export const BACKEND_SERVICES = ['conversation', 'routing', 'presence', 'translation', 'survey'] as const;
export type BackendName = (typeof BACKEND_SERVICES)[number];
export type ServiceName = BackendName | 'gateway';

export interface ReadyInfo {
  grpcPort: number;
  metricsPort: number;
  httpPort?: number;
}

/** Children still running; killed if the launcher itself exits abruptly. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export type LogLine = { service: ServiceName; stream: 'stdout' | 'stderr'; line: string };

export class ServiceProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<ReadyInfo>;
  readonly exited: Promise<number | null>;
  readonly output: string[] = [];
  private httpPort: number | undefined;

  constructor(
    readonly name: ServiceName,
    env: Record<string, string>,
    onLine?: (l: LogLine) => void,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services', name, 'src', 'main.ts')], {
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
            if (rec.msg === 'ready') resolve({ grpcPort: Number(rec.grpc_port), metricsPort: Number(rec.metrics_port), httpPort: this.httpPort });
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

  /** Sends `signal` and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
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
}

const FIXED_GRPC: Record<ServiceName, number> = { gateway: 50050, conversation: 50051, routing: 50052, presence: 50053, translation: 50054, survey: 50055 };
const FIXED_METRICS: Record<ServiceName, number> = { gateway: 9460, conversation: 9461, routing: 9462, presence: 9463, translation: 9464, survey: 9465 };

export interface Stack {
  services: Map<ServiceName, ServiceProcess>;
  ports: Map<ServiceName, ReadyInfo>;
  gatewayUrl: string;
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) to one service and waits for its exit (chaos tests). */
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * Starts a service that exited (or was killed) again, with the env and on the
   * ports it had, so that its peers and clients find it where they look; resolves once it is ready.
   */
  restart(name: ServiceName): Promise<ReadyInfo>;
}

/** Starts the five backends, then the gateway pointed at their gRPC ports. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const services = new Map<ServiceName, ServiceProcess>();
  const ports = new Map<ServiceName, ReadyInfo>();
  const stop = async () => {
    await Promise.all([...services.values()].map((s) => s.stop('SIGTERM')));
  };
  /** What each service was started with, for restart(). */
  const startedWith = new Map<ServiceName, Record<string, string>>();
  const launch = (name: ServiceName, env: Record<string, string>) => {
    startedWith.set(name, env);
    const proc = new ServiceProcess(name, env, opts.onLine);
    services.set(name, proc);
    return proc;
  };
  const kill = (name: ServiceName, signal: NodeJS.Signals = 'SIGKILL') => services.get(name)!.stop(signal);
  const restart = async (name: ServiceName): Promise<ReadyInfo> => {
    const running = services.get(name)!;
    if (running.child.exitCode === null && running.child.signalCode === null) throw new Error(`${name} is still running: kill it first`);
    const was = ports.get(name)!;
    // The ports it had, not free ones: its peers keep dialling the old address.
    const info = await launch(name, {
      ...startedWith.get(name)!,
      GRPC_PORT: String(was.grpcPort),
      METRICS_PORT: String(was.metricsPort),
      ...(was.httpPort !== undefined ? { HTTP_PORT: String(was.httpPort) } : {}),
    }).ready;
    ports.set(name, info);
    return info;
  };
  const envFor = (name: ServiceName): Record<string, string> => ({
    NATS_URL: opts.natsUrl,
    LOG_LEVEL: opts.logLevel ?? 'info',
    GRPC_PORT: String(opts.ports === 'fixed' ? FIXED_GRPC[name] : 0),
    METRICS_PORT: String(opts.ports === 'fixed' ? FIXED_METRICS[name] : 0),
    EVENT_STORE_URL: opts.eventStoreUrl,
    ...(name === 'survey' ? { SURVEY_DATABASE_URL: opts.surveyDatabaseUrl ?? `pglite://${join(ROOT, '.data', 'survey-metrics')}` } : {}),
    ...(opts.extraEnv?.[name] ?? {}),
  });
  try {
    // Routing, translation and survey call conversation and presence, so they start once those listen.
    const dependent: BackendName[] = ['routing', 'translation', 'survey'];
    const first = BACKEND_SERVICES.filter((n) => !dependent.includes(n));
    for (const name of first) launch(name, envFor(name));
    for (const name of first) ports.set(name, await services.get(name)!.ready);
    const addr = (n: BackendName) => `127.0.0.1:${ports.get(n)!.grpcPort}`;
    const peerEnv = { CONVERSATION_GRPC_ADDR: addr('conversation'), PRESENCE_GRPC_ADDR: addr('presence') };
    for (const name of dependent) launch(name, { ...peerEnv, ...envFor(name) });
    for (const name of dependent) ports.set(name, await services.get(name)!.ready);
    const gateway = launch(
      'gateway',
      {
        ...envFor('gateway'),
        HTTP_HOST: opts.httpHost ?? '127.0.0.1',
        HTTP_PORT: opts.ports === 'fixed' ? (process.env.HTTP_PORT ?? '8080') : '0',
        JWT_SECRET: opts.jwtSecret,
        CONVERSATION_GRPC_ADDR: addr('conversation'),
        ROUTING_GRPC_ADDR: addr('routing'),
        PRESENCE_GRPC_ADDR: addr('presence'),
        TRANSLATION_GRPC_ADDR: addr('translation'),
        SURVEY_GRPC_ADDR: addr('survey'),
      },
    );
    const info = await gateway.ready;
    ports.set('gateway', info);
    return { services, ports, gatewayUrl: `http://${opts.httpHost ?? '127.0.0.1'}:${info.httpPort}`, stop, kill, restart };
  } catch (err) {
    await stop();
    throw err;
  }
}

export type { ChildProcess };
