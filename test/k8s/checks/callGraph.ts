/**
 * Who calls whom, derived from the code's settings rather than written down
 * beside the policies: every setting of a process whose name ends in `_URL`
 * or `_ADDR` names a peer (NATS_URL, EVENT_STORE_URL, *_GRPC_ADDR,
 * APERTIUM_URL, DEEPL_URL, SMTP_RELAY_URL …), with the value the manifest sets or the
 * default the code falls back to. A peer's host is resolved the way the
 * cluster would: a Service of the build (through its selector and target
 * port), a CloudNativePG cluster's `-rw`/`-ro`/`-r` Service, a name outside
 * the manifests (a pod labelled `app: <name>`, e.g. apertium-apy), or the
 * internet for names with dots.
 */
import type { K8sObject } from '../kubectl';
import { defaultOf, type Settings } from '../serviceSettings';
import { portNumber, processContainers, workloadsOf, type ProcessContainer } from '../workloads';

/** Where a call goes: pods with these labels (in the namespace) or the internet, on a port. */
export type Destination = { kind: 'pods'; labels: Record<string, string>; name: string } | { kind: 'internet'; name: string };
export interface Call {
  from: ProcessContainer;
  variable: string;
  to: Destination;
  port: number;
}

const DEFAULT_PORTS: Record<string, number> = { nats: 4222, tls: 4222, postgres: 5432, postgresql: 5432, http: 80, https: 443, kurrentdb: 2113, esdb: 2113, smtp: 587, smtps: 465 };

function addressesOf(value: string): { host: string; port: number }[] {
  const grpc = /^(?:dns:\/\/\/)?([A-Za-z0-9._-]+):(\d+)$/.exec(value);
  if (grpc) return [{ host: grpc[1]!, port: Number(grpc[2]) }];
  return value.split(',').flatMap((part) => {
    try {
      const url = new URL(part.trim());
      const scheme = url.protocol.replace(/:$/, '').split('+')[0]!;
      if (!url.hostname || !(scheme in DEFAULT_PORTS)) return [];
      return [{ host: url.hostname, port: url.port ? Number(url.port) : DEFAULT_PORTS[scheme]! }];
    } catch {
      return [];
    }
  });
}

function resolve(objects: K8sObject[], host: string, port: number): { to: Destination; port: number } {
  const short = host.replace(/\.svc(\.cluster\.local)?\.?$/, '').split('.');
  if (host.includes('.') && !/\.svc(\.cluster\.local)?\.?$/.test(host)) return { to: { kind: 'internet', name: host }, port };
  const name = short[0]!;
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === name);
  if (svc?.spec.selector) {
    const selector = svc.spec.selector as Record<string, string>;
    const servicePort = svc.spec.ports.find((p: { port: number }) => p.port === port);
    const pods = workloadsOf(objects).find((w) => Object.entries(selector).every(([k, v]) => w.podLabels[k] === v));
    const target = servicePort?.targetPort ?? port;
    const container = pods?.containers.find((c) => portNumber(c, target) !== undefined);
    return { to: { kind: 'pods', labels: selector, name }, port: (container && portNumber(container, target)) ?? (typeof target === 'number' ? target : port) };
  }
  const cnpg = /^(.*)-(rw|ro|r)$/.exec(name);
  if (cnpg && objects.some((o) => o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/') && o.metadata.name === cnpg[1])) {
    return { to: { kind: 'pods', labels: { 'cnpg.io/cluster': cnpg[1]! }, name }, port };
  }
  return { to: { kind: 'pods', labels: { app: name }, name }, port };
}

export function callGraph(objects: K8sObject[], settings: Settings, secrets: Map<string, K8sObject>): Call[] {
  const calls: Call[] = [];
  for (const pc of processContainers(objects, secrets)) {
    for (const [variable, field] of Object.entries(settings.get(pc.process) ?? {})) {
      if (!/_(URL|ADDR)$/.test(variable)) continue;
      const value = pc.env.get(variable) ?? defaultOf(field, variable);
      if (typeof value !== 'string') continue;
      for (const { host, port } of addressesOf(value)) calls.push({ from: pc, variable, ...resolve(objects, host, port) });
    }
  }
  return calls;
}
