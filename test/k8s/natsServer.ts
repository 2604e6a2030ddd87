/**
 * The NATS server of a built overlay as it would start: the files of its
 * ConfigMap, the environment of its container (ConfigMap keys, the example
 * Secrets, the pod's own name, `$(VAR)` expansion as the kubelet does it) and
 * the configuration parsed from them.
 */
import type { K8sObject } from './kubectl';
import { parseNatsConf, type NatsMap } from './natsConf';
import { exampleSecretData } from './workloads';

export interface NatsServer {
  statefulSet: K8sObject;
  replicas: number;
  /** The nats-config ConfigMap's files (nats.conf and what it includes). */
  files: Record<string, string>;
  /** The first pod's environment (nats-0). */
  env: Record<string, string>;
  /** nats.conf with its includes and variables, or why it cannot be read. */
  config: NatsMap | { unreadable: string };
}

export function natsServerOf(objects: K8sObject[], secrets: Map<string, K8sObject>): NatsServer | undefined {
  const statefulSet = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'nats');
  if (!statefulSet) return undefined;
  const pod = statefulSet.spec.template.spec;
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data ?? {}]));
  const volume = pod.volumes.find((v: { configMap?: { name: string } }) => v.configMap);
  const files = configMaps.get(volume?.configMap.name) ?? {};
  const env: Record<string, string> = {};
  for (const e of pod.containers[0].env ?? []) {
    const ref = e.valueFrom;
    const raw =
      e.value ??
      (ref?.fieldRef?.fieldPath === 'metadata.name' ? `${statefulSet.metadata.name}-0` : undefined) ??
      (ref?.configMapKeyRef ? configMaps.get(ref.configMapKeyRef.name)?.[ref.configMapKeyRef.key] : undefined) ??
      (ref?.secretKeyRef && secrets.has(ref.secretKeyRef.name) ? exampleSecretData(secrets.get(ref.secretKeyRef.name)!)[ref.secretKeyRef.key] : undefined);
    // The kubelet expands $(VAR) from the variables defined before this one.
    if (raw !== undefined) env[e.name] = raw.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m: string, v: string) => env[v] ?? m);
  }
  let config: NatsServer['config'];
  try {
    config = parseNatsConf(files, 'nats.conf', env);
  } catch (err) {
    config = { unreadable: (err as Error).message };
  }
  return { statefulSet, replicas: statefulSet.spec.replicas ?? 1, files, env, config };
}
