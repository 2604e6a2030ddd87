/**
 * What every pod must have (requests and limits, probes, non-root, a
 * read-only root filesystem, pinned images), what an autoscaled Deployment
 * must not have (a replica count of its own), and the relay exactly once.
 * Each problem is one line naming the object at fault.
 */
import type { K8sObject } from '../kubectl';
import { processContainers, workloadsOf, type Workload } from '../workloads';

const RESOURCES = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

export function podProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const w of workloadsOf(objects)) {
    const podSecurity = w.pod.securityContext ?? {};
    for (const c of w.containers) {
      const where = `${w.id}: container ${c.name}`;
      for (const path of RESOURCES) {
        const [group, key] = path.split('.') as ['requests' | 'limits', string];
        if (!c.resources?.[group]?.[key]) problems.push(`${where} has no resources.${path}`);
      }
      const sc = c.securityContext ?? {};
      if ((sc.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true) problems.push(`${where} may run as root (runAsNonRoot is not true)`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where} has a writable root filesystem`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where} allows privilege escalation`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where} keeps Linux capabilities (drop ALL)`);
      if (!/(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/.test(c.image.replace(/^[^/]*:\d+\//, '')) || /:latest$/.test(c.image)) {
        problems.push(`${where} runs image ${c.image}, which no tag or digest pins (set it in the overlay's images:)`);
      }
      if (w.object.kind !== 'Job') {
        for (const probe of ['livenessProbe', 'readinessProbe'] as const) if (!c[probe]) problems.push(`${where} has no ${probe}`);
        if (!c.lifecycle?.preStop) problems.push(`${where} has no preStop delay: it would drop requests still on their way while endpoints update`);
      }
    }
  }
  return problems;
}

/** HPAs own the replica count: a Deployment under one has no `replicas`, and every HPA has its target. */
export function autoscalingProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const deployments = new Map(objects.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata.name, o]));
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const target = hpa.spec.scaleTargetRef;
    const deployment = target.kind === 'Deployment' ? deployments.get(target.name) : undefined;
    if (!deployment) problems.push(`HorizontalPodAutoscaler ${hpa.metadata.name} scales ${target.kind} ${target.name}, which is not defined`);
    else if (deployment.spec.replicas !== undefined) {
      problems.push(`Deployment ${target.name} sets replicas: ${deployment.spec.replicas} although HorizontalPodAutoscaler ${hpa.metadata.name} owns its count: every apply would fight the autoscaler`);
    }
  }
  return problems;
}

function maxReplicas(w: Workload, objects: K8sObject[]): number {
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.kind === w.object.kind && o.spec.scaleTargetRef.name === w.object.metadata.name);
  return hpa ? hpa.spec.maxReplicas : (w.object.spec.replicas ?? 1);
}

/**
 * Exactly one relay per region: one Deployment running the relay's
 * entrypoint with one replica, Recreate (never old and new at once), no
 * autoscaler; and no conversation replica running the relay in-process.
 */
export function relayProblems(objects: K8sObject[], secrets: Map<string, K8sObject>): string[] {
  const problems: string[] = [];
  const runners: string[] = [];
  for (const pc of processContainers(objects, secrets)) {
    const w = pc.workload;
    if (pc.process === 'relay') {
      const replicas = maxReplicas(w, objects);
      runners.push(`${w.id} (${replicas} replica${replicas === 1 ? '' : 's'})`);
      if (replicas !== 1) problems.push(`${w.id} runs the relay in up to ${replicas} pods: exactly one relay may run per region`);
      if (w.object.kind === 'Deployment' && w.object.spec.strategy?.type !== 'Recreate') {
        problems.push(`${w.id} runs the relay with a ${w.object.spec.strategy?.type ?? 'RollingUpdate'} strategy: a rollout would run the old and the new relay at once (use Recreate)`);
      }
    }
    if (pc.process === 'conversation' && !/^(false|0|no)$/i.test(pc.env.get('RELAY_ENABLED') ?? 'true')) {
      const replicas = maxReplicas(w, objects);
      runners.push(`${w.id} (RELAY_ENABLED, ${replicas} replicas)`);
      problems.push(`${w.id} runs the relay in each of its up to ${replicas} replicas (RELAY_ENABLED is not false): exactly one relay may run per region`);
    }
  }
  if (runners.length !== 1) problems.push(`exactly one workload must run the relay; found ${runners.length}: ${runners.join(', ') || 'none'}`);
  return problems;
}
