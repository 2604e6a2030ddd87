/**
 * `REGIONS=eu,us npm start`: several regions on one machine, each the whole
 * set of services against its own NATS cluster (one super-cluster, joined by
 * gateways, with a tie-breaker cluster) and its own embedded event store under
 * .data/regions/<region>. The first region takes the documented ports
 * (gateway 8080); each further region's gateway the next HTTP port (8081, …)
 * and free ports for the rest. The demo tenant is set up in every region,
 * homed in the first, with visitors from the US and Canada placed in the
 * second region when there is one.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startNatsSuperCluster, type NatsSuperCluster } from './natsSuperCluster';
import { ROOT, startStack, type LogLine, type Stack, type StackOptions } from './stack';

export interface LocalRegions {
  nats: NatsSuperCluster;
  stacks: Map<string, Stack>;
  stop(): Promise<void>;
}

export async function startLocalRegions(opts: {
  regions: string[];
  jwtSecret: string;
  onLine: (region: string, l: LogLine) => void;
  logLevel?: string;
  extraEnv?: StackOptions['extraEnv'];
}): Promise<LocalRegions> {
  const data = join(ROOT, '.data', 'regions');
  mkdirSync(data, { recursive: true });
  const nats = await startNatsSuperCluster({ regions: opts.regions, storeRoot: join(data, 'nats') });
  const stacks = new Map<string, Stack>();
  const stop = async () => {
    await Promise.all([...stacks.values()].map((s) => s.stop()));
    await nats.stop();
  };
  const firstPort = Number(process.env.HTTP_PORT ?? '8080');
  try {
    // One after another: two sets of seven processes starting at once starve a small machine's cores.
    for (const [i, region] of opts.regions.entries()) {
      const dir = join(data, region);
      mkdirSync(dir, { recursive: true });
      stacks.set(
        region,
        await startStack({
          natsUrl: nats.regions.get(region)!.url,
          eventStoreUrl: `pglite://${join(dir, 'eventstore')}`,
          surveyDatabaseUrl: `pglite://${join(dir, 'survey-metrics')}`,
          jwtSecret: opts.jwtSecret,
          ports: i === 0 ? 'fixed' : 'free',
          gatewayHttpPort: firstPort + i,
          region,
          regions: opts.regions,
          logLevel: opts.logLevel,
          extraEnv: {
            ...opts.extraEnv,
            channels: { ...opts.extraEnv?.channels, ATTACHMENTS_DIR: join(dir, 'attachments') },
          },
          onLine: (l) => opts.onLine(region, l),
        }),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nats, stacks, stop };
}
