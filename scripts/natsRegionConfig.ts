/**
 * The nats.conf of one server of a regions super-cluster (see
 * notes/regions-design.md): its region's cluster, JetStream, gateways to the
 * other clusters, and the same accounts on every server. Pure: the launcher
 * (scripts/natsSuperCluster.ts) writes the text to a file, a deployment may
 * render it the same way.
 *
 * Why the accounts: stream, bucket and subject names are global within the one
 * JetStream domain a super-cluster has, so each region's services get their
 * own account (and keep the unchanged names); another region's credentials
 * cannot read them. Regions reach each other by request/reply on
 * `region.<name>.>`, which each account exports and the others import, and
 * each region's events (`cc.>`) reach the others' accounts, unstored, as
 * `region-events.<name>.cc.>` (a stream export and imports; see
 * regionEventsPrefix for why not under `region.<name>.>`).
 *
 * @example
 *   renderRegionNatsConfig({
 *     cluster: 'eu', regions: ['eu', 'us'],
 *     gateways: { us: ['nats://10.0.1.5:7222'], witness: ['nats://10.0.2.5:7222'] },
 *     passwords: { eu: '…', us: '…' },
 *     ports: { client: 4222, cluster: 6222, gateway: 7222, http: 8222 },
 *     storeDir: '/data/nats',
 *   });
 */
import { ConfigError, isRegionName } from '@contactcenter/infra';
import { regionEventsPrefix } from '@contactcenter/infra/regions';

/** The tie-breaker cluster: keeps the JetStream meta group's majority when one of two regions is lost. */
export const WITNESS_CLUSTER = 'witness';

/**
 * What each region account exports as a stream: its events, which every other region account imports under
 * `region-events.<home>.` (regionEventsPrefix) for its gateways' sockets following that region's conversations.
 * Core NATS only: the importing region's CC_EVENTS captures `cc.>`, never `region.>`, so nothing of it is stored twice.
 */
export const REGION_EVENTS_EXPORT = 'cc.>';

/** The account of the servers' own traffic (gateways, JetStream meta group). */
export const SYSTEM_ACCOUNT = 'SYS';

export interface RegionNatsConfigInput {
  /** This server's cluster: one of `regions`, or the tie-breaker `witness`. */
  cluster: string;
  /** Every region of the deployment, as REGIONS lists them. */
  regions: readonly string[];
  /** Gateway URLs by cluster name (NATS_GATEWAY_URLS). This cluster's own entry is allowed and left out (NATS ignores it). */
  gateways: Readonly<Record<string, readonly string[]>>;
  /** The password of each region's user (the user is named as the region). */
  passwords: Readonly<Record<string, string>>;
  ports: { client: number; cluster: number; gateway: number; http?: number };
  /** Address every listener binds to. Default 127.0.0.1. */
  host?: string;
  /** Gateway address the other clusters are told to use (a proxy or load balancer in front of this one). */
  gatewayAdvertise?: string;
  /** Routes to the other servers of this cluster; default: its own cluster URL (a one-server cluster needs one route to be a cluster). */
  routes?: readonly string[];
  storeDir: string;
  /** Unique in the super-cluster (JetStream names its peers by it). Default: the cluster name. */
  serverName?: string;
}

/** `eu` → `EU`, `eu-west-1` → `EU_WEST_1`. */
export function regionAccount(region: string): string {
  return region.toUpperCase().replace(/-/g, '_');
}

/** The nats.conf text; throws a ConfigError naming REGIONS or NATS_GATEWAY_URLS when the layout cannot work. */
export function renderRegionNatsConfig(input: RegionNatsConfigInput): string {
  validateRegions(input);
  const host = input.host ?? '127.0.0.1';
  const remotes = remoteGateways(input, host);
  const q = (s: string) => JSON.stringify(s);
  const list = (items: readonly string[]) => `[${items.map(q).join(', ')}]`;
  const serviceImport = (o: string) => `{ service: { account: ${q(regionAccount(o))}, subject: ${q(`region.${o}.>`)} } }`;
  const eventsImport = (o: string) => `{ stream: { account: ${q(regionAccount(o))}, subject: ${q(REGION_EVENTS_EXPORT)} }, to: ${q(`${regionEventsPrefix(o)}${REGION_EVENTS_EXPORT}`)} }`;

  const accounts = input.regions.map((region) => {
    const others = input.regions.filter((r) => r !== region);
    return [
      `  ${regionAccount(region)}: {`,
      `    jetstream: enabled`,
      `    users: [{ user: ${q(region)}, password: ${q(input.passwords[region]!)} }]`,
      `    exports: [{ service: ${q(`region.${region}.>`)} }, { stream: ${q(REGION_EVENTS_EXPORT)} }]`,
      `    imports: [${others.flatMap((o) => [serviceImport(o), eventsImport(o)]).join(', ')}]`,
      `  }`,
    ].join('\n');
  });

  return [
    `server_name: ${q(input.serverName ?? input.cluster)}`,
    `listen: ${q(`${host}:${input.ports.client}`)}`,
    ...(input.ports.http !== undefined ? [`http: ${q(`${host}:${input.ports.http}`)}`] : []),
    `jetstream { store_dir: ${q(input.storeDir)} }`,
    `cluster {`,
    `  name: ${q(input.cluster)}`,
    `  listen: ${q(`${host}:${input.ports.cluster}`)}`,
    `  routes: ${list(input.routes ?? [`nats-route://${host}:${input.ports.cluster}`])}`,
    `}`,
    `gateway {`,
    `  name: ${q(input.cluster)}`,
    `  listen: ${q(`${host}:${input.ports.gateway}`)}`,
    ...(input.gatewayAdvertise ? [`  advertise: ${q(input.gatewayAdvertise)}`] : []),
    `  gateways: [`,
    ...remotes.map(([name, urls]) => `    { name: ${q(name)}, urls: ${list(urls)} }`),
    `  ]`,
    `}`,
    `accounts {`,
    ...accounts,
    `  ${SYSTEM_ACCOUNT}: {}`,
    `}`,
    `system_account: ${SYSTEM_ACCOUNT}`,
    '',
  ].join('\n');
}

function validateRegions({ cluster, regions, passwords }: RegionNatsConfigInput): void {
  const seen = new Set<string>();
  for (const region of regions) {
    if (!isRegionName(region)) throw new ConfigError('REGIONS', `${JSON.stringify(region)} is not a region name (lower-case letters, digits and inner -, at most 32)`);
    if (seen.has(region)) throw new ConfigError('REGIONS', `names region ${JSON.stringify(region)} twice`);
    if (region === WITNESS_CLUSTER || regionAccount(region) === SYSTEM_ACCOUNT) {
      throw new ConfigError('REGIONS', `${JSON.stringify(region)} is reserved (the tie-breaker cluster or the system account)`);
    }
    if (!passwords[region]) throw new ConfigError(`NATS password of region ${region}`, 'is required');
    seen.add(region);
  }
  if (cluster !== WITNESS_CLUSTER && !seen.has(cluster)) {
    throw new ConfigError('REGION', `${JSON.stringify(cluster)} is not one of REGIONS (${regions.join(', ')})`);
  }
}

/**
 * The other clusters' gateways. A URL naming this server's own gateway
 * address under another cluster's name would make the server dial itself as
 * that cluster (a copied line): refused, as is a cluster no one knows.
 */
function remoteGateways(input: RegionNatsConfigInput, host: string): [string, string[]][] {
  const known = new Set([...input.regions, WITNESS_CLUSTER]);
  const own = new Set([`${host}:${input.ports.gateway}`, ...(input.gatewayAdvertise ? [input.gatewayAdvertise] : [])]);
  const remotes: [string, string[]][] = [];
  for (const [name, urls] of Object.entries(input.gateways)) {
    if (!known.has(name)) throw new ConfigError('NATS_GATEWAY_URLS', `names ${JSON.stringify(name)}, which is neither a region of REGIONS nor ${WITNESS_CLUSTER}`);
    if (urls.length === 0) throw new ConfigError('NATS_GATEWAY_URLS', `lists no URL for ${name}`);
    for (const url of urls) {
      const address = gatewayAddress(url);
      if (name !== input.cluster && own.has(address)) {
        throw new ConfigError('NATS_GATEWAY_URLS', `the gateway of ${name} (${url}) is this server's own gateway address (cluster ${input.cluster})`);
      }
    }
    if (name !== input.cluster) remotes.push([name, [...urls]]);
  }
  return remotes;
}

function gatewayAddress(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('NATS_GATEWAY_URLS', `${JSON.stringify(url)} is not a URL (nats://host:port)`);
  }
  if (parsed.protocol !== 'nats:' || !parsed.port) throw new ConfigError('NATS_GATEWAY_URLS', `${JSON.stringify(url)} is not nats://host:port`);
  return `${parsed.hostname}:${parsed.port}`;
}
