/**
 * Each NetworkPolicy allows exactly the calls the services make. The calls
 * come from the code (callGraph.ts) plus what no variable names: DNS for
 * every pod, the ingress controller to each Ingress backend, Prometheus to
 * each scraped port, the internet to each LoadBalancer Service's pods (which
 * anyone may reach there), the gateway's webhooks and identity providers
 * (HTTPS on the internet), the channels service's SMTP relays and tenants'
 * IMAP mailboxes. Every one of them must pass both sides' policies; and no
 * policy of one of the services' pods may let anything else in or out,
 * probed against every other pod of the overlay, the cluster's usual
 * neighbours, a stranger pod in the namespace, a look-alike pod in another
 * namespace, and an address on the internet.
 */
import type { K8sObject } from '../kubectl';
import type { Settings } from '../serviceSettings';
import { processContainers, workloadsOf } from '../workloads';
import { callGraph } from './callGraph';
import { allowed, allowedOneSide, selects, type Endpoint, type Labels, type Port } from './networkPolicy';

const tcp = (port: number, name?: string): Port => ({ port, name, protocol: 'TCP' });
const DNS: Port[] = [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }];
/** SMTP relays (25, 465, 587: SMTP_RELAY_URL may name any) and IMAP mailboxes (143, 993), which tenants add at run time. */
const MAIL = [25, 465, 587, 143, 993];
const outside = (name: string, namespace: string, labels: Labels, ports: Port[], ip: string): Endpoint => ({
  name,
  namespace,
  namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
  labels,
  ip,
  ports,
});

function endpointsOf(objects: K8sObject[], namespace: string): Endpoint[] {
  const own = (name: string, labels: Labels, ports: Port[], n: number): Endpoint => ({
    name,
    namespace,
    namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
    labels,
    ip: `10.1.0.${n}`,
    ports,
  });
  const endpoints = workloadsOf(objects).map((w, i) =>
    own(w.object.metadata.name, w.podLabels, w.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, name: p.name, protocol: (p.protocol ?? 'TCP') as Port['protocol'] }))), i + 10),
  );
  for (const cluster of objects.filter((o) => o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/'))) {
    endpoints.push(own(cluster.metadata.name, { 'cnpg.io/cluster': cluster.metadata.name, 'cnpg.io/podRole': 'instance' }, [tcp(5432, 'postgresql'), tcp(8000, 'status'), tcp(9187, 'metrics')], 200));
  }
  endpoints.push(
    own('stranger', { app: 'stranger' }, [tcp(8080, 'http')], 250),
    outside('kube-dns', 'kube-system', { 'k8s-app': 'kube-dns' }, DNS, '10.2.0.10'),
    outside('ingress-nginx', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [tcp(443), tcp(80)], '10.2.0.11'),
    outside('prometheus', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' }, [tcp(9090)], '10.2.0.12'),
    outside('cnpg-operator', 'cnpg-system', { 'app.kubernetes.io/name': 'cloudnative-pg' }, [tcp(9443)], '10.2.0.13'),
    outside('look-alike gateway in another namespace', 'elsewhere', { app: 'gateway' }, [tcp(8080, 'http')], '10.2.0.14'),
    { name: 'internet', namespaceLabels: {}, labels: {}, ip: '203.0.113.10', ports: [443, 80, 22, 4222, 5432, 7222, ...MAIL].map((p) => tcp(p)) },
  );
  return endpoints;
}

type Flow = { from: Endpoint; to: Endpoint; port: Port; why: string };

/** The pods behind each LoadBalancer Service, on its target ports: anyone may reach them there (inbound email). */
function publicPorts(objects: K8sObject[], endpoints: Endpoint[]): { to: Endpoint; port: Port; why: string }[] {
  const out: { to: Endpoint; port: Port; why: string }[] = [];
  // A load balancer limited to source ranges (NATS gateways: the other regions' networks) is not public.
  for (const svc of objects.filter((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer' && o.spec.selector && !o.spec.loadBalancerSourceRanges?.length)) {
    for (const to of endpoints.filter((e) => e.namespace && selects({ matchLabels: svc.spec.selector }, e.labels))) {
      for (const servicePort of svc.spec.ports) {
        const target = servicePort.targetPort ?? servicePort.port;
        const port = to.ports.find((p) => (p.name === target || p.port === target) && p.protocol === (servicePort.protocol ?? 'TCP'));
        if (port) out.push({ to, port, why: `LoadBalancer Service ${svc.metadata.name}` });
      }
    }
  }
  return out;
}

function expectedFlows(objects: K8sObject[], settings: Settings, secrets: Map<string, K8sObject>, endpoints: Endpoint[]): Flow[] {
  const byName = (name: string) => endpoints.find((e) => e.name === name)!;
  const flows: Flow[] = [];
  for (const call of callGraph(objects, settings, secrets)) {
    const from = byName(call.from.workload.object.metadata.name);
    const to = call.to.kind === 'internet' ? [byName('internet')] : endpoints.filter((e) => e.namespace === from.namespace && selects({ matchLabels: call.to.kind === 'pods' ? call.to.labels : {} }, e.labels));
    if (to.length === 0) {
      // A peer outside the manifests (apertium-apy): a pod of that label, so that the policy towards it is checked too.
      const peer: Endpoint = { ...byName('stranger'), name: call.to.name, labels: (call.to as { labels: Labels }).labels, ip: `10.1.1.${endpoints.length}`, ports: [tcp(call.port)] };
      endpoints.push(peer);
      to.push(peer);
    }
    for (const t of to) flows.push({ from, to: t, port: t.ports.find((p) => p.port === call.port && p.protocol === 'TCP') ?? tcp(call.port), why: call.variable });
  }
  for (const w of workloadsOf(objects)) {
    const self = byName(w.object.metadata.name);
    for (const port of DNS) flows.push({ from: self, to: byName('kube-dns'), port, why: 'DNS' });
    const scrape = Number(w.annotations['prometheus.io/port']);
    if (scrape) flows.push({ from: byName('prometheus'), to: self, port: self.ports.find((p) => p.port === scrape) ?? tcp(scrape), why: 'the Prometheus scrape' });
  }
  for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
    for (const rule of ingress.spec.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === path.backend.service.name);
        const servicePort = svc?.spec.ports.find((p: { name?: string; port: number }) => p.name === path.backend.service.port.name || p.port === path.backend.service.port.number);
        for (const to of endpoints.filter((e) => e.namespace && svc && selects({ matchLabels: svc.spec.selector }, e.labels))) {
          const port = to.ports.find((p) => p.name === servicePort?.targetPort || p.port === servicePort?.targetPort);
          if (port) flows.push({ from: byName('ingress-nginx'), to, port, why: `Ingress ${ingress.metadata.name}` });
        }
      }
    }
  }
  // Named by no variable: tenants' webhook URLs and identity providers' JWKS, https only.
  const gateway = endpoints.find((e) => e.labels.app === 'gateway' && e.namespace && !e.name.includes('another'));
  if (gateway) flows.push({ from: gateway, to: byName('internet'), port: tcp(443), why: 'webhooks and identity providers (JWKS)' });
  // Named by no variable either: tenants' IMAP mailboxes, and SMTP relays on whichever port SMTP_RELAY_URL says.
  const channels = endpoints.find((e) => e.labels.app === 'channels' && e.namespace);
  if (channels) for (const port of MAIL) flows.push({ from: channels, to: byName('internet'), port: tcp(port), why: 'SMTP relays and IMAP mailboxes' });
  for (const { to, port, why } of publicPorts(objects, endpoints)) flows.push({ from: byName('internet'), to, port, why });
  return flows;
}

export function networkPolicyProblems(objects: K8sObject[], settings: Settings, secrets: Map<string, K8sObject>): string[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  if (policies.length === 0) return ['no NetworkPolicy: every pod may reach every other'];
  const namespace = policies[0]!.metadata.namespace!;
  const endpoints = endpointsOf(objects, namespace);
  const flows = expectedFlows(objects, settings, secrets, endpoints);
  const key = (from: Endpoint, to: Endpoint, port: Port) => `${from.name}→${to.name}:${port.port}/${port.protocol}`;
  const expected = new Set(flows.map((f) => key(f.from, f.to, f.port)));
  const open = new Set(publicPorts(objects, endpoints).map(({ to, port }) => `${to.name}:${port.port}/${port.protocol}`));
  const problems: string[] = [];
  for (const f of flows) {
    if (!allowed(policies, f.from, f.to, f.port)) problems.push(`NetworkPolicy blocks ${f.from.name} → ${f.to.name}:${f.port.port}/${f.port.protocol} (${f.why})`);
  }
  const ours = new Set(processContainers(objects, secrets).map((pc) => pc.workload.object.metadata.name));
  for (const self of endpoints.filter((e) => ours.has(e.name))) {
    for (const other of endpoints.filter((e) => e !== self)) {
      for (const port of other.ports) {
        if (allowedOneSide(policies, 'Egress', self, other, port) && !expected.has(key(self, other, port))) {
          problems.push(`NetworkPolicy lets ${self.name} reach ${other.name}:${port.port}/${port.protocol}, a call no service makes`);
        }
      }
      for (const port of self.ports) {
        if (allowedOneSide(policies, 'Ingress', self, other, port) && !expected.has(key(other, self, port)) && !open.has(`${self.name}:${port.port}/${port.protocol}`)) {
          problems.push(`NetworkPolicy lets ${other.name} reach ${self.name}:${port.port}/${port.protocol}, a call no service makes`);
        }
      }
    }
  }
  return problems;
}
