/**
 * The Kubernetes manifests, built and checked for real: every region overlay
 * is built with `kubectl kustomize` (kubectl.ts), every object validated
 * against the Kubernetes schemas, and the result cross-checked with the
 * code: each service's own config schema (required variables, values its
 * parsers accept, no loopback peers), ports against probes and scrape
 * annotations, exactly one relay, autoscalers owning replica counts, and
 * NetworkPolicies allowing exactly the calls the code makes. Fixture
 * overlays under fixtures/ break one rule each and must be refused, named.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { podProblems, autoscalingProblems, relayProblems } from './checks/podChecks';
import { settingsProblems } from './checks/settingsChecks';
import { networkPolicyProblems } from './checks/networkPolicyChecks';
import { schemaProblems } from './checks/schemaChecks';
import { natsConfigCheck, natsProblems, secretDocumentationProblems } from './checks/platformChecks';
import { findKubectl, kubectlVersion, kustomize, ROOT, type K8sObject } from './kubectl';
import { serviceSettings, type Settings } from './serviceSettings';
import { exampleSecrets, processContainers } from './workloads';

jest.setTimeout(60_000);

const K8S = join(ROOT, 'k8s');
// Every region's overlay; the NATS tie-breaker (overlays/witness) runs no services: regions.unit.test.ts checks it.
const OVERLAYS = readdirSync(join(K8S, 'overlays')).filter((o) => o !== 'witness');
const SERVICES = ['gateway', 'conversation', 'relay', 'routing', 'presence', 'translation', 'survey', 'channels'];
const secrets = exampleSecrets(join(K8S, 'secrets'));
const kubectl = findKubectl();
let settings: Settings;
beforeAll(() => {
  settings = serviceSettings();
});

const allProblems = (objects: K8sObject[]) => [
  ...podProblems(objects),
  ...autoscalingProblems(objects),
  ...relayProblems(objects, secrets),
  ...settingsProblems(objects, settings, secrets),
  ...networkPolicyProblems(objects, settings, secrets),
  ...natsProblems(objects, secrets),
];

it('documents every key of the example Secrets in k8s/README.md', () => {
  expect(secretDocumentationProblems(secrets, readFileSync(join(K8S, 'README.md'), 'utf8'))).toEqual([]);
});

if ('unavailable' in kubectl) {
  it.skip(`builds the overlays with kubectl kustomize: skipped, no kubectl (${kubectl.unavailable})`, () => undefined);
  // eslint-disable-next-line no-console
  console.warn(`test/k8s: overlays not built: ${kubectl.unavailable}`);
} else {
  const bin = kubectl.path;
  describe.each(OVERLAYS)('overlay %s', (region) => {
    let objects: K8sObject[];
    beforeAll(() => {
      objects = kustomize(bin, join(K8S, 'overlays', region));
    });
    const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

    it('builds with kubectl kustomize, every object passing the Kubernetes schemas', async () => {
      const { problems, unchecked } = await schemaProblems(objects);
      expect({ kubectl: kubectlVersion(bin), problems }).toEqual({ kubectl: expect.stringContaining('v1.33'), problems: [] });
      expect(unchecked.sort()).toEqual(['Cluster eventstore (postgresql.cnpg.io/v1)', 'Database survey-metrics (postgresql.cnpg.io/v1)', 'ScheduledBackup eventstore-daily (postgresql.cnpg.io/v1)']);
    });

    it('puts everything in the region namespace, each service named and labelled after itself', () => {
      const namespace = `contactcenter-${region}`;
      expect(named('Namespace', namespace)?.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
      expect(objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace).map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
      for (const service of SERVICES) {
        const deployment = named('Deployment', service)!;
        expect(deployment.metadata.labels).toMatchObject({ app: service, 'app.kubernetes.io/part-of': 'contactcenter', 'topology.contactcenter.dev/region': region });
        expect(deployment.spec.selector.matchLabels).toEqual({ app: service });
        expect(named('ServiceAccount', service)).toBeDefined();
        expect(named('NetworkPolicy', service)).toBeDefined();
      }
      const shared = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('contactcenter-'));
      expect(shared?.data).toMatchObject({ REGION: region, JETSTREAM_REPLICAS: '3' });
    });

    it('gives every pod requests, limits, probes, a preStop delay, non-root, a read-only root filesystem and pinned images', () => {
      expect(podProblems(objects)).toEqual([]);
    });

    it('lets the autoscalers own the replica counts', () => {
      expect(autoscalingProblems(objects)).toEqual([]);
      for (const service of SERVICES.filter((s) => s !== 'relay')) expect(named('HorizontalPodAutoscaler', service)?.spec.scaleTargetRef.name).toBe(service);
    });

    it('runs exactly one relay: its own Deployment, one replica, Recreate', () => {
      expect(relayProblems(objects, secrets)).toEqual([]);
      expect(named('Deployment', 'relay')?.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    });

    it("sets what each service's config requires, to values it accepts, on the ports its probes and scrapes use", () => {
      expect(settingsProblems(objects, settings, secrets)).toEqual([]);
      const processes = processContainers(objects, secrets).map((pc) => pc.process).sort();
      expect(processes).toEqual([...SERVICES, 'migrate'].sort());
    });

    it('allows exactly the calls the services make, and nothing else, through NetworkPolicies', () => {
      expect(named('NetworkPolicy', 'default-deny')?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect(networkPolicyProblems(objects, settings, secrets)).toEqual([]);
    });

    it('runs as many NATS servers as stream replicas, with a configuration nats-server accepts', () => {
      expect(natsProblems(objects, secrets)).toEqual([]);
      const check = natsConfigCheck(objects, secrets);
      if (!check) console.warn('test/k8s: nats-server not installed, nats.conf not checked');
      expect(check?.problems ?? []).toEqual([]);
    });

    it('migrates in a Job with the production entrypoint, the conversation service no longer at start', () => {
      const job = named('Job', 'migrate')!.spec.template.spec.containers[0];
      expect(job.command).toEqual(['node', '/app/infra/dist/eventstore/migrate.js']);
      const conversation = processContainers(objects, secrets).find((pc) => pc.process === 'conversation')!;
      expect(conversation.env.get('EVENT_STORE_MIGRATE')).toBe('false');
    });

    it('keeps WebSockets and SSE open through the Ingress for an hour', () => {
      expect(named('Ingress', 'gateway')?.metadata.annotations).toMatchObject({
        'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
        'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
      });
    });

    it("receives email on port 25 through a load balancer and Meta's webhooks under /channels/ through the Ingress", () => {
      expect(named('Service', 'channels-smtp')?.spec).toMatchObject({ type: 'LoadBalancer', selector: { app: 'channels' }, ports: [{ port: 25, targetPort: 'smtp' }] });
      expect(named('Ingress', 'gateway')?.spec.rules[0].http.paths).toContainEqual({ path: '/channels/', pathType: 'Prefix', backend: { service: { name: 'channels', port: { name: 'http' } } } });
    });

    it("keeps the channels service's attachments in the region's bucket, not in the pod", () => {
      const channels = processContainers(objects, secrets).find((pc) => pc.process === 'channels')!;
      expect(Object.fromEntries(['S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION'].map((k) => [k, channels.env.get(k)]))).toEqual({
        S3_ENDPOINT: `https://s3.${region}.amazonaws.com`,
        S3_BUCKET: `contactcenter-attachments-${region}`,
        S3_REGION: region,
      });
      // Required keys: without them the service would fall back to ATTACHMENTS_DIR on a read-only filesystem.
      const keys = channels.container.env!.filter((e) => e.name.startsWith('S3_') && e.valueFrom).map((e) => [e.name, e.valueFrom.secretKeyRef.optional ?? false]);
      expect(keys).toEqual([['S3_ACCESS_KEY_ID', false], ['S3_SECRET_ACCESS_KEY', false]]);
    });
  });

  it('builds the base alone, every object passing the Kubernetes schemas', async () => {
    const base = kustomize(bin, join(K8S, 'base'));
    expect((await schemaProblems(base)).problems).toEqual([]);
    expect(podProblems(base).filter((p) => !/no tag or digest/.test(p))).toEqual([]);
  });

  describe('bad manifests are refused, naming what is wrong', () => {
    it.each([
      ['two-relays', 'Deployment relay runs the relay in up to 2 pods: exactly one relay may run per region'],
      ['relay-in-conversation', 'Deployment conversation runs the relay in each of its up to 10 replicas (RELAY_ENABLED is not false): exactly one relay may run per region'],
      ['no-limits', 'Deployment routing: container routing has no resources.limits.cpu'],
      ['blocked-call', 'NetworkPolicy blocks survey → conversation:50051/TCP (CONVERSATION_GRPC_ADDR)'],
      ['open-egress', 'NetworkPolicy lets routing reach survey:50055/TCP, a call no service makes'],
      ['missing-nats-url', 'Deployment gateway: NATS_URL is not set, and its default nats://127.0.0.1:4222 is the pod itself'],
      ['unpinned-image', 'Deployment routing: container routing runs image registry.example.com/contactcenter/routing:latest, which no tag or digest pins'],
      ['smtp-closed', 'NetworkPolicy blocks internet → channels:2525/TCP (LoadBalancer Service channels-smtp)'],
      ['imap-blocked', 'NetworkPolicy blocks channels → internet:993/TCP (SMTP relays and IMAP mailboxes)'],
    ])('%s', (fixture, problem) => {
      const problems = allProblems(kustomize(bin, join(__dirname, 'fixtures', fixture)));
      expect(problems).toContainEqual(expect.stringContaining(problem));
    });
  });
}
