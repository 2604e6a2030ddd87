/**
 * One overlay per region, each a region of its own: its name and the list of
 * every region in the shared settings, its gRPC peers in its own namespace,
 * its own event store with its own backup path. The NATS side (accounts,
 * gateways, the tie-breaker) is natsRegionChecks.ts.
 */
import type { K8sObject } from '../kubectl';
import { processContainers } from '../workloads';

/** Every region's built overlay by name, and the tie-breaker's. */
export interface BuiltDeployment {
  regions: Map<string, K8sObject[]>;
  witness?: K8sObject[];
}

const settingsOf = (objects: K8sObject[]) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('contactcenter-'))?.data ?? {};

/** REGION is the overlay's, REGIONS every region overlay (in every overlay alike), NATS_USER the region's. */
export function regionSettingsProblems({ regions }: BuiltDeployment): string[] {
  const all = [...regions.keys()].sort();
  const problems: string[] = [];
  for (const [region, objects] of regions) {
    const { REGION, REGIONS, NATS_USER } = settingsOf(objects);
    if (REGION !== region) problems.push(`overlay ${region}: REGION is ${REGION ?? 'not set'}`);
    const listed = (REGIONS ?? '').split(',').map((r) => r.trim()).filter(Boolean).sort();
    if (listed.join() !== all.join()) problems.push(`overlay ${region}: REGIONS is ${REGIONS ?? 'not set'}, but the region overlays are ${all.join(',')}`);
    if (NATS_USER !== region) problems.push(`overlay ${region}: NATS_USER is ${NATS_USER ?? 'not set'}, not the region's user ${region}`);
  }
  return problems;
}

/** `dns:///conversation-headless:50051` → host and port. */
function hostPort(address: string): { host: string; port: number } | undefined {
  const m = /^(?:dns:\/\/\/|[a-z]+:\/\/(?:[^@/]*@)?)?([^/:]+):(\d+)/.exec(address);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

/** A host name that is a Service of this namespace: `svc`, or `svc.<namespace>[.svc…]`. */
function ownService(host: string, namespace: string): string | undefined {
  const [name, ns, ...rest] = host.split('.');
  if (ns === undefined) return name;
  return ns === namespace && (rest.length === 0 || rest[0] === 'svc') ? name : undefined;
}

/** Each *_GRPC_ADDR names a Service of the region's own namespace, on a port that Service serves. */
export function peerProblems(region: string, objects: K8sObject[], secrets: Map<string, K8sObject>): string[] {
  const namespace = `contactcenter-${region}`;
  const services = new Map(objects.filter((o) => o.kind === 'Service').map((s) => [s.metadata.name, s.spec.ports.map((p: { port: number }) => p.port) as number[]]));
  const problems: string[] = [];
  for (const pc of processContainers(objects, secrets)) {
    for (const [name, value] of pc.env) {
      if (!name.endsWith('_GRPC_ADDR')) continue;
      const where = `overlay ${region}: ${pc.workload.id} ${name}=${value}`;
      const target = hostPort(value);
      const service = target && ownService(target.host, namespace);
      if (!target) problems.push(`${where} is not host:port`);
      else if (!service) problems.push(`${where} is outside the region's namespace ${namespace}`);
      else if (!services.has(service)) problems.push(`${where}: no Service ${service} in ${namespace}`);
      else if (!services.get(service)!.includes(target.port)) problems.push(`${where}: Service ${service} does not serve port ${target.port}`);
    }
  }
  return problems;
}

const DATABASE_URLS = ['EVENT_STORE_URL', 'READ_MODEL_URL', 'SURVEY_DATABASE_URL'];

/**
 * One event store Cluster per region, the database URLs at its own services (`<cluster>-rw` …, in the
 * namespace), and a backup path of its own that names the region: two regions archiving WAL to one path
 * would overwrite each other's backups.
 */
export function eventStoreProblems({ regions }: BuiltDeployment, secrets: Map<string, K8sObject>): string[] {
  const problems: string[] = [];
  const paths = new Map<string, string>();
  for (const [region, objects] of regions) {
    const clusters = objects.filter((o) => o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/'));
    if (clusters.length !== 1) {
      problems.push(`overlay ${region}: ${clusters.length} event store Clusters, not one`);
      continue;
    }
    const cluster = clusters[0]!;
    const path: string | undefined = cluster.spec.backup?.barmanObjectStore?.destinationPath;
    if (!path || !path.includes(region)) problems.push(`overlay ${region}: Cluster ${cluster.metadata.name} backs up to ${path ?? 'nowhere'}, a path that does not name the region`);
    else if (paths.has(path)) problems.push(`overlay ${region}: Cluster ${cluster.metadata.name} backs up to ${path}, as overlay ${paths.get(path)} does`);
    else paths.set(path, region);
    const own = ['rw', 'ro', 'r'].map((s) => `${cluster.metadata.name}-${s}`);
    for (const pc of processContainers(objects, secrets)) {
      for (const name of DATABASE_URLS) {
        const url = pc.env.get(name);
        const host = url && hostPort(url)?.host;
        if (url && !(host && own.includes(ownService(host, `contactcenter-${region}`) ?? ''))) {
          problems.push(`overlay ${region}: ${pc.workload.id} ${name} points at ${host ?? url}, not the region's event store (${own[0]})`);
        }
      }
    }
  }
  return problems;
}
