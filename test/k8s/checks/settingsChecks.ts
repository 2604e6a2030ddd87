/**
 * The manifests against the code's own settings: every variable a process
 * requires is set, and set to a value its config accepts (the same parser
 * the process runs at start); no variable it does not read; no peer left at
 * a loopback default; and the ports each container opens (GRPC_PORT,
 * METRICS_PORT, HTTP_PORT, the channels service's CHANNELS_HTTP_PORT and
 * SMTP_PORT) are the ones its probes, its scrape annotation and the
 * Services point at.
 */
import type { K8sObject } from '../kubectl';
import { defaultOf, refusal, type Settings } from '../serviceSettings';
import { portNumber, processContainers, type ProcessContainer } from '../workloads';

const LOOPBACK = /(^|\/\/|@)(127\.\d+\.\d+\.\d+|localhost|\[::1\])([:/]|$)/;

function settingProblems(pc: ProcessContainer, settings: Settings): string[] {
  const where = pc.workload.object.metadata.name === pc.process ? pc.workload.id : `${pc.workload.id} (${pc.process})`;
  const schema = settings.get(pc.process);
  if (!schema) return [`${where}: no such process in the code`];
  const problems = [...pc.unresolved];
  for (const [name, field] of Object.entries(schema)) {
    const value = pc.env.get(name);
    if (value === undefined) {
      const missing = refusal(field, name, undefined);
      if (missing) problems.push(`${where} requires ${name}, which is not set (${missing})`);
      const fallback = defaultOf(field, name);
      if (typeof fallback === 'string' && LOOPBACK.test(fallback)) problems.push(`${where}: ${name} is not set, and its default ${fallback} is the pod itself`);
      continue;
    }
    const refused = refusal(field, name, value);
    if (refused) problems.push(`${where}: ${refused}`);
    else if (LOOPBACK.test(value)) problems.push(`${where}: ${name}=${value} is the pod itself`);
  }
  for (const name of pc.env.keys()) if (!(name in schema)) problems.push(`${where}: sets ${name}, which ${pc.process} does not read`);
  return problems;
}

function portProblems(pc: ProcessContainer): string[] {
  const { container: c, workload: w, env } = pc;
  const where = `${w.id}: container ${c.name}`;
  const problems: string[] = [];
  const named = (name: string) => c.ports?.find((p) => p.name === name)?.containerPort;
  const expect = (portName: string, variable: string) => {
    const value = env.get(variable);
    if (value === undefined) return;
    if (named(portName) !== Number(value)) problems.push(`${where}: ${variable}=${value} but the container port named ${portName} is ${named(portName) ?? 'missing'}`);
  };
  if (pc.process !== 'migrate') {
    expect('grpc', 'GRPC_PORT');
    expect('metrics', 'METRICS_PORT');
    if (env.has('HTTP_PORT')) expect('http', 'HTTP_PORT');
    // The channels service's webhook and SMTP listeners, which the Ingress and the LoadBalancer reach by port name.
    if (env.has('CHANNELS_HTTP_PORT')) expect('http', 'CHANNELS_HTTP_PORT');
    if (env.has('SMTP_PORT')) expect('smtp', 'SMTP_PORT');
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
      const p = c[probe];
      if (!p) continue;
      const port = p.grpc ? p.grpc.port : (p.httpGet?.port ?? p.tcpSocket?.port);
      const number = portNumber(c, port);
      if (number === undefined) problems.push(`${where}: ${probe} uses port ${port}, which the container does not open`);
      else if (p.grpc && number !== Number(env.get('GRPC_PORT'))) problems.push(`${where}: ${probe} checks gRPC health on ${number}, but the service serves gRPC on GRPC_PORT ${env.get('GRPC_PORT')}`);
      else if (p.httpGet && number !== Number(env.get('HTTP_PORT'))) problems.push(`${where}: ${probe} requests port ${number}, but the service serves HTTP on HTTP_PORT ${env.get('HTTP_PORT')}`);
    }
    const scrape = w.annotations['prometheus.io/port'];
    if (w.annotations['prometheus.io/scrape'] !== 'true' || scrape !== env.get('METRICS_PORT')) {
      problems.push(`${where}: prometheus.io/port is ${scrape ?? 'missing'} but METRICS_PORT is ${env.get('METRICS_PORT')}`);
    }
  }
  return problems;
}

/** The grace period covers the preStop sleep plus the process's own shutdown bound. */
function shutdownProblems(pc: ProcessContainer): string[] {
  if (pc.workload.object.kind === 'Job') return [];
  const grace = (pc.workload.pod.terminationGracePeriodSeconds ?? 30) * 1000;
  const preStop = (pc.container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
  const shutdown = Number(pc.env.get('SHUTDOWN_TIMEOUT_MS') ?? 10_000);
  return grace < preStop + shutdown
    ? [`${pc.workload.id}: terminationGracePeriodSeconds ${grace / 1000} is shorter than the preStop sleep (${preStop / 1000} s) plus SHUTDOWN_TIMEOUT_MS (${shutdown / 1000} s): SIGKILL would cut the shutdown`]
    : [];
}

/** Each Service selects pods, and its target ports are ports those pods open. */
function serviceProblems(objects: K8sObject[], pcs: ProcessContainer[]): string[] {
  const problems: string[] = [];
  for (const svc of objects.filter((o) => o.kind === 'Service' && o.spec.selector)) {
    const selector = svc.spec.selector as Record<string, string>;
    const pods = pcs.filter((pc) => Object.entries(selector).every(([k, v]) => pc.workload.podLabels[k] === v));
    if (pods.length === 0) continue; // pods outside our processes (NATS) are checked by kubectl's own schema only
    for (const port of svc.spec.ports) {
      for (const pc of pods) {
        if (portNumber(pc.container, port.targetPort ?? port.port) === undefined) {
          problems.push(`Service ${svc.metadata.name}: port ${port.name ?? port.port} targets ${port.targetPort}, which ${pc.workload.id} does not open`);
        }
      }
    }
  }
  return problems;
}

export function settingsProblems(objects: K8sObject[], settings: Settings, secrets: Map<string, K8sObject>): string[] {
  const pcs = processContainers(objects, secrets);
  return [...pcs.flatMap((pc) => [...settingProblems(pc, settings), ...portProblems(pc), ...shutdownProblems(pc)]), ...serviceProblems(objects, pcs)];
}
