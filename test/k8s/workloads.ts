/**
 * The workloads of a built overlay as the checks see them: each pod
 * template's containers, which process each one runs (from its image and
 * command, not from the names given in the manifests), and the environment
 * each container really gets once ConfigMaps and the example Secrets fill
 * in the references.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './kubectl';

export type Container = {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  env?: { name: string; value?: string; valueFrom?: any }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: any;
  startupProbe?: any;
  livenessProbe?: any;
  readinessProbe?: any;
  lifecycle?: any;
};

export interface Workload {
  /** `Deployment relay`: how problems name it. */
  id: string;
  object: K8sObject;
  namespace: string;
  podLabels: Record<string, string>;
  annotations: Record<string, string>;
  pod: any;
  containers: Container[];
}

/** One container with the process it runs and its resolved environment. */
export interface ProcessContainer {
  workload: Workload;
  container: Container;
  /** gateway, conversation, relay, routing, presence, translation, survey or migrate. */
  process: string;
  env: Map<string, string>;
  /** Problems met while resolving (a Secret key no example documents, a missing ConfigMap). */
  unresolved: string[];
}

const POD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);

export function workloadsOf(objects: K8sObject[]): Workload[] {
  return objects
    .filter((o) => POD_KINDS.has(o.kind))
    .map((o) => {
      const template = o.spec.template;
      return {
        id: `${o.kind} ${o.metadata.name}`,
        object: o,
        namespace: o.metadata.namespace ?? 'default',
        podLabels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations ?? {},
        pod: template.spec,
        containers: [...(template.spec.initContainers ?? []), ...template.spec.containers],
      };
    });
}

/**
 * A value the platform team fills in: the examples say CHANGE-ME where a secret goes (too short
 * to be accepted as one, so an example applied unchanged stops the service instead of running
 * with a published secret). The checks read it as a value of the right shape.
 */
const FILLED_IN = 'filled-in-by-the-platform-team-0123456789abcdef';

/** The example Secrets under k8s/secrets (what a platform team fills in), by name. */
export function exampleSecrets(dir: string): Map<string, K8sObject> {
  const out = new Map<string, K8sObject>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.example.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8').replaceAll('CHANGE-ME', FILLED_IN))) {
      const secret = doc.toJS() as K8sObject;
      out.set(secret.metadata.name, secret);
    }
  }
  return out;
}

/** A Secret's keys and values, `data` decoded. */
export const exampleSecretData = (s: K8sObject): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
  ...(s.stringData ?? {}),
});

/**
 * Which process a container runs: the service named by its image
 * (`…/contactcenter/<service>:<tag>`) unless its command starts another
 * entrypoint of that image (the relay, the migration).
 */
export function processOf(container: Container): string | undefined {
  const command = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
  if (/relay\/main\.js/.test(command)) return 'relay';
  if (/eventstore\/migrate\.js/.test(command)) return 'migrate';
  const m = /(?:^|\/)contactcenter\/([a-z]+)(?:[:@]|$)/.exec(container.image);
  return m?.[1];
}

export function processContainers(objects: K8sObject[], secrets: Map<string, K8sObject>): ProcessContainer[] {
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data ?? {}]));
  const out: ProcessContainer[] = [];
  for (const workload of workloadsOf(objects)) {
    for (const container of workload.containers) {
      const process = processOf(container);
      if (!process) continue;
      const env = new Map<string, string>();
      const unresolved: string[] = [];
      for (const from of container.envFrom ?? []) {
        const ref = from.configMapRef?.name ?? from.secretRef?.name;
        const data = from.configMapRef ? configMaps.get(ref!) : secrets.has(ref!) ? exampleSecretData(secrets.get(ref!)!) : undefined;
        if (!data) unresolved.push(`${workload.id}: envFrom ${from.configMapRef ? 'ConfigMap' : 'Secret'} ${ref} is not defined`);
        for (const [k, v] of Object.entries(data ?? {})) env.set(k, v);
      }
      for (const e of container.env ?? []) {
        if (e.value !== undefined) env.set(e.name, e.value);
        else if (e.valueFrom?.configMapKeyRef) {
          const { name, key, optional } = e.valueFrom.configMapKeyRef;
          const value = configMaps.get(name)?.[key];
          if (value !== undefined) env.set(e.name, value);
          else if (!optional) unresolved.push(`${workload.id}: ${e.name} refers to ConfigMap ${name} key ${key}, which is not defined`);
        } else if (e.valueFrom?.secretKeyRef) {
          const { name, key, optional } = e.valueFrom.secretKeyRef;
          const secret = secrets.get(name);
          const value = secret ? exampleSecretData(secret)[key] : undefined;
          if (value !== undefined) env.set(e.name, value);
          else if (!optional) unresolved.push(`${workload.id}: ${e.name} refers to Secret ${name} key ${key}, which no example under k8s/secrets documents`);
        } else if (e.valueFrom?.fieldRef) env.set(e.name, `<${e.valueFrom.fieldRef.fieldPath}>`);
      }
      out.push({ workload, container, process, env, unresolved });
    }
  }
  return out;
}

/** The port a probe or a Service's targetPort means: a number, or the container port of that name. */
export function portNumber(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}
