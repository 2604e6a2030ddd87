/**
 * Every built object against the Kubernetes API schemas (kubernetes-models:
 * validators generated from Kubernetes' OpenAPI documents): field types,
 * required fields, enums. Like the API server's schema it does not refuse
 * unknown fields; the workload and settings checks catch the misspellings
 * that matter (a probe, limits or a variable under another name is missing).
 * Custom resources (CloudNativePG) have no schema here: they are listed as
 * unchecked rather than passed silently.
 */
import { importEsm } from '@contactcenter/infra/importEsm';
import type { K8sObject } from '../kubectl';

/** Custom resources whose schema ships with their operator, not with Kubernetes. */
const CUSTOM_GROUPS = ['postgresql.cnpg.io'];

export interface SchemaReport {
  problems: string[];
  /** `Cluster eventstore (postgresql.cnpg.io/v1)`: objects no schema here covers. */
  unchecked: string[];
}

export async function schemaProblems(objects: K8sObject[]): Promise<SchemaReport> {
  const problems: string[] = [];
  const unchecked: string[] = [];
  for (const o of objects) {
    const id = `${o.kind} ${o.metadata?.name}`;
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [undefined, o.apiVersion];
    if (group && CUSTOM_GROUPS.includes(group)) {
      unchecked.push(`${id} (${o.apiVersion})`);
      continue;
    }
    let model: new (data: unknown) => { validate(): void };
    try {
      const mod = (await importEsm(`kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`)) as Record<string, unknown>;
      model = mod[o.kind] as typeof model;
    } catch {
      problems.push(`${id}: ${o.apiVersion} ${o.kind} is not a Kubernetes API kind`);
      continue;
    }
    try {
      new model(o).validate();
    } catch (err) {
      problems.push(`${id}: ${(err as Error).message.replace(/\s+/g, ' ')}`);
    }
  }
  return { problems, unchecked };
}
