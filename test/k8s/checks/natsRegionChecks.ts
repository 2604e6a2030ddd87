/**
 * The NATS super-cluster the overlays build together: each region's cluster
 * and gateway named after it, a gateway entry for every other region and for
 * the witness, none of them at the region's own gateway, every overlay giving
 * each cluster the same address; one account per region exporting
 * `region.<self>.>` and importing every other's, exporting its events
 * (`cc.>`) and importing every other's as `region-events.<other>.cc.>`, only the region's own user
 * (its password from Secret nats-credentials) on its servers; one JetStream
 * domain; a meta group that keeps its majority when any one region is lost;
 * and the gateway port open to the other clusters' networks only.
 */
import type { K8sObject } from '../kubectl';
import { natsServerOf, type NatsServer } from '../natsServer';
import type { NatsMap, NatsValue } from '../natsConf';
import { processContainers } from '../workloads';
import type { BuiltDeployment } from './regionChecks';

export const WITNESS = 'witness';

/** The region's account, as scripts/natsRegionConfig.ts names it: `eu-west-1` → `EU_WEST_1`. */
export const regionAccount = (region: string) => region.toUpperCase().replace(/-/g, '_');

/** What each region account exports as a stream, and where every other region's account imports it (scripts/natsRegionConfig.ts). */
const EVENTS = 'cc.>';
const eventsPrefix = (region: string) => `region-events.${region}.`;
/** The subject a stream import is mapped to: its `to`, or `<prefix>.<subject>`. */
const mappedTo = (i: NatsMap): string | undefined =>
  typeof i.to === 'string' ? i.to : typeof i.prefix === 'string' ? `${i.prefix}.${String(asMap(i.stream).subject)}` : undefined;

const asMap = (v: NatsValue | undefined): NatsMap => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const asList = (v: NatsValue | undefined): NatsValue[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const addressOf = (url: string) => url.replace(/^nats:\/\//, '').replace(/\/$/, '');

type Cluster = { name: string; objects: K8sObject[]; server?: NatsServer; config: NatsMap };

function clustersOf(deployment: BuiltDeployment, secrets: Map<string, K8sObject>, problems: string[]): Cluster[] {
  const built = [...deployment.regions, ...(deployment.witness ? [[WITNESS, deployment.witness] as const] : [])];
  if (!deployment.witness) problems.push(`no ${WITNESS} overlay: with two regions, losing one loses the JetStream meta group's majority`);
  return built.map(([name, objects]) => {
    const server = natsServerOf(objects, secrets);
    if (!server) problems.push(`overlay ${name}: no NATS StatefulSet`);
    else if ('unreadable' in server.config) problems.push(`overlay ${name}: nats.conf unreadable: ${server.config.unreadable}`);
    return { name, objects, server, config: server && !('unreadable' in server.config) ? server.config : {} };
  });
}

function gatewayProblems(clusters: Cluster[]): string[] {
  const problems: string[] = [];
  // Where each cluster says it is (its advertise), which every other overlay must use for it.
  const advertised = new Map(clusters.map((c) => [c.name, asMap(c.config.gateway).advertise as string | undefined]));
  for (const c of clusters) {
    const gateway = asMap(c.config.gateway);
    const namespace = `contactcenter-${c.name}`;
    if (asMap(c.config.cluster).name !== c.name || gateway.name !== c.name) {
      problems.push(`overlay ${c.name}: NATS cluster ${String(asMap(c.config.cluster).name)} and gateway ${String(gateway.name)}, not ${c.name}`);
    }
    const entries = new Map(asList(gateway.gateways).map((g) => [asMap(g).name as string, asList(asMap(g).urls).map((u) => addressOf(String(u)))]));
    const own = new Set([advertised.get(c.name), ...(entries.get(c.name) ?? [])].filter(Boolean));
    // Its own address, a name in its own namespace (`nats-gateway`, `x.<namespace>…`), or the loopback.
    const isOwn = (address: string) => {
      const host = address.split(':')[0]!;
      return own.has(address) || !host.includes('.') || host.split('.')[1] === namespace || host.startsWith('127.');
    };
    for (const other of clusters.filter((o) => o.name !== c.name)) {
      const urls = entries.get(other.name);
      if (!urls?.length) {
        problems.push(`overlay ${c.name}: no gateway entry for ${other.name}`);
        continue;
      }
      for (const url of urls.filter(isOwn)) problems.push(`overlay ${c.name}: the gateway entry for ${other.name} (${url}) is ${c.name}'s own gateway`);
      const theirs = advertised.get(other.name);
      if (theirs && !urls.includes(theirs)) problems.push(`overlay ${c.name}: the gateway entry for ${other.name} (${urls.join(', ')}) is not where ${other.name} advertises itself (${theirs})`);
    }
    for (const name of entries.keys()) if (!clusters.some((o) => o.name === name)) problems.push(`overlay ${c.name}: gateway entry for ${name}, which is no overlay`);
  }
  return problems;
}

function accountProblems(clusters: Cluster[], regions: string[]): string[] {
  const problems: string[] = [];
  for (const c of clusters) {
    const accounts = asMap(c.config.accounts);
    const system = c.config.system_account as string | undefined;
    if (!system || !(system in accounts)) problems.push(`overlay ${c.name}: no system account`);
    for (const name of Object.keys(accounts).filter((a) => a !== system && !regions.some((r) => regionAccount(r) === a))) {
      problems.push(`overlay ${c.name}: account ${name} belongs to no region`);
    }
    for (const region of regions) {
      const name = regionAccount(region);
      const account = asMap(accounts[name]);
      if (!(name in accounts)) {
        problems.push(`overlay ${c.name}: no account ${name} for region ${region}`);
        continue;
      }
      if (account.jetstream !== 'enabled' && !Object.keys(asMap(account.jetstream)).length) problems.push(`overlay ${c.name}: account ${name} has no JetStream`);
      const exports = asList(account.exports).map(asMap);
      if (!exports.some((e) => e.service === `region.${region}.>`)) problems.push(`overlay ${c.name}: account ${name} does not export region.${region}.>`);
      if (!exports.some((e) => e.stream === EVENTS)) problems.push(`overlay ${c.name}: account ${name} does not export its events (stream ${EVENTS})`);
      const imports = asList(account.imports).map(asMap);
      const services = imports.map((i) => asMap(i.service));
      for (const other of regions.filter((r) => r !== region)) {
        if (!services.some((i) => i.account === regionAccount(other) && i.subject === `region.${other}.>`)) {
          problems.push(`overlay ${c.name}: account ${name} does not import region.${other}.> from ${regionAccount(other)}`);
        }
        const events = imports.filter((i) => asMap(i.stream).account === regionAccount(other) && asMap(i.stream).subject === EVENTS);
        if (!events.some((i) => mappedTo(i) === `${eventsPrefix(other)}${EVENTS}`)) {
          problems.push(`overlay ${c.name}: account ${name} does not import ${regionAccount(other)}'s events (${EVENTS}) as ${eventsPrefix(other)}${EVENTS}`);
        }
      }
      // Under a service import's subjects (region.<other>.>), nats-server 2.9 sends each event back to its home account, which stores it twice.
      for (const i of imports.filter((i) => i.stream !== undefined)) {
        const to = mappedTo(i) ?? EVENTS;
        if (!to.startsWith('region-events.')) problems.push(`overlay ${c.name}: account ${name} imports events as ${to}: only under region-events.<region>. is nothing stored (again)`);
      }
      const users = asList(account.users).map(asMap);
      if (region !== c.name && users.length) problems.push(`overlay ${c.name}: account ${name} has users: only ${region}'s own servers may let its services in`);
      if (region === c.name) {
        const password = c.server?.env.NATS_PASSWORD;
        const isRegionUser = (u: NatsMap) => u.user === region && password !== undefined && u.password === password;
        if (users.length !== 1 || !isRegionUser(users[0]!)) problems.push(`overlay ${c.name}: account ${name}'s users are not just ${region}, with the password of Secret nats-credentials`);
      }
    }
  }
  return problems;
}

/** Every service logs in as the region's user with the password the region's servers check. */
function credentialProblems(clusters: Cluster[], secrets: Map<string, K8sObject>): string[] {
  const problems: string[] = [];
  for (const c of clusters.filter((c) => c.name !== WITNESS)) {
    for (const pc of processContainers(c.objects, secrets).filter((pc) => pc.process !== 'migrate')) {
      const ref = pc.container.env?.find((e) => e.name === 'NATS_PASSWORD')?.valueFrom?.secretKeyRef;
      if (ref?.name !== 'nats-credentials' || ref.key !== 'password') problems.push(`overlay ${c.name}: ${pc.workload.id} does not take NATS_PASSWORD from Secret nats-credentials`);
      if (pc.env.get('NATS_USER') !== c.name) problems.push(`overlay ${c.name}: ${pc.workload.id} logs in to NATS as ${pc.env.get('NATS_USER') ?? 'nobody'}`);
    }
  }
  return problems;
}

/** One domain (a domain per cluster would give each its own meta leader over one group); unique server names. */
function jetStreamProblems(clusters: Cluster[]): string[] {
  const problems: string[] = [];
  const domains = new Set(clusters.map((c) => String(asMap(c.config.jetstream).domain ?? '(none)')));
  if (domains.size > 1) problems.push(`JetStream domains differ between the clusters (${[...domains].join(', ')}): one super-cluster, one domain`);
  const names = clusters.map((c) => String(c.config.server_name));
  for (const c of clusters) if (names.filter((n) => n === String(c.config.server_name)).length > 1) problems.push(`overlay ${c.name}: server name ${String(c.config.server_name)} is not unique in the super-cluster`);
  return problems;
}

/** Losing any one region (all its servers) leaves a majority of the meta group's voters. */
function quorumProblems(clusters: Cluster[]): string[] {
  const servers = (c: Cluster) => (c.server && asMap(c.config.jetstream).store_dir ? c.server.replicas : 0);
  const total = clusters.reduce((n, c) => n + servers(c), 0);
  return clusters
    .filter((c) => c.name !== WITNESS && total - servers(c) <= total / 2)
    .map((c) => `losing region ${c.name} (${servers(c)} of ${total} JetStream servers) loses the meta group's majority: no consumer or KV watch could be created in the survivors`);
}

/**
 * The only addresses the NATS servers admit or dial are pods of the namespace and ipBlocks on the gateway
 * port, never 0.0.0.0/0; the gateway's load balancer admits source ranges as narrow.
 */
function gatewayPolicyProblems(clusters: Cluster[]): string[] {
  const problems: string[] = [];
  for (const c of clusters) {
    const policy = c.objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'nats');
    if (!policy) {
      problems.push(`overlay ${c.name}: no NetworkPolicy nats`);
      continue;
    }
    const rules = [...(policy.spec.ingress ?? []).map((r: any) => [r, r.from]), ...(policy.spec.egress ?? []).map((r: any) => [r, r.to])];
    let peers = 0;
    for (const [rule, from] of rules) {
      for (const block of (from ?? []).filter((p: any) => p.ipBlock).map((p: any) => p.ipBlock)) {
        peers++;
        const prefix = Number(block.cidr.split('/')[1]);
        if (prefix < 8) problems.push(`overlay ${c.name}: NetworkPolicy nats opens ${block.cidr}: the gateway port to (almost) the whole internet`);
        const ports = (rule.ports ?? []).map((p: any) => p.port);
        if (!ports.length || ports.some((p: any) => p !== 'gateway' && p !== 7222)) problems.push(`overlay ${c.name}: NetworkPolicy nats opens ${block.cidr} on ${ports.join(', ') || 'every port'}, not just the gateway port`);
      }
    }
    if (!peers && clusters.length > 1) problems.push(`overlay ${c.name}: NetworkPolicy nats admits no other cluster's gateway`);
    const lb = c.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'nats-gateway');
    const ranges: string[] = lb?.spec.loadBalancerSourceRanges ?? [];
    if (lb?.spec.type === 'LoadBalancer' && (!ranges.length || ranges.some((r) => Number(r.split('/')[1]) < 8))) {
      problems.push(`overlay ${c.name}: Service nats-gateway's load balancer admits ${ranges.join(', ') || 'anyone'}, not just the other clusters' networks`);
    }
  }
  return problems;
}

export function natsRegionProblems(deployment: BuiltDeployment, secrets: Map<string, K8sObject>): string[] {
  const problems: string[] = [];
  const clusters = clustersOf(deployment, secrets, problems);
  const regions = [...deployment.regions.keys()];
  return [
    ...problems,
    ...gatewayProblems(clusters),
    ...accountProblems(clusters, regions),
    ...credentialProblems(clusters, secrets),
    ...jetStreamProblems(clusters),
    ...quorumProblems(clusters),
    ...gatewayPolicyProblems(clusters),
  ];
}
