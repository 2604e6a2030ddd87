/**
 * Offline checks of the Kubernetes manifests: one folder per service whose
 * resource names and `app` labels match the service, with probes, requests
 * and limits, a non-root read-only pod, a disruption budget and autoscaling;
 * each region overlay builds on the base.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const K8S = join(__dirname, '..', '..', 'k8s');
const SERVICES = ['gateway', 'conversation', 'routing', 'presence', 'translation', 'survey'];
type Doc = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any };

const load = (file: string): Doc[] => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
const serviceDocs = (service: string): Doc[] =>
  ['deployment.yaml', 'service.yaml'].flatMap((f) => load(join(K8S, 'base', service, f)));

describe('k8s manifests', () => {
  it('have one folder per service and nothing else in base', () => {
    const dirs = readdirSync(join(K8S, 'base'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(dirs.sort()).toEqual([...SERVICES].sort());
    const base = load(join(K8S, 'base', 'kustomization.yaml'))[0] as unknown as { resources: string[] };
    expect(base.resources.sort()).toEqual([...SERVICES].sort());
  });

  describe.each(SERVICES)('%s', (service) => {
    const docs = serviceDocs(service);
    const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

    it('names every resource and label after the service', () => {
      expect(docs.map((d) => d.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
      for (const d of docs) {
        expect(d.metadata.name).toBe(service);
        expect(d.metadata.labels?.app).toBe(service);
      }
      const deployment = byKind('Deployment')[0]!;
      expect(deployment.spec.selector.matchLabels).toEqual({ app: service });
      expect(deployment.spec.template.metadata.labels.app).toBe(service);
      expect(byKind('Service')[0]!.spec.selector).toEqual({ app: service });
      expect(byKind('PodDisruptionBudget')[0]!.spec.selector.matchLabels).toEqual({ app: service });
      expect(byKind('HorizontalPodAutoscaler')[0]!.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: service });
    });

    it('runs non-root on a read-only root filesystem with probes, requests and limits', () => {
      const pod = byKind('Deployment')[0]!.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.containers).toHaveLength(1);
      const c = pod.containers[0];
      expect(c.name).toBe(service);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(c[probe]).toBeDefined();
      if (service === 'gateway') expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      else expect(c.readinessProbe.grpc.port).toBe(c.ports.find((p: { name: string }) => p.name === 'grpc').containerPort);
      expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(c.resources.limits).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      const env = Object.fromEntries(c.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      expect(env.GRPC_PORT).toBe(String(c.ports.find((p: { name: string }) => p.name === 'grpc').containerPort));
    });
  });

  it.each(['eu-west-1', 'us-east-1'])('overlay %s builds on the base and names its region', (region) => {
    const k = load(join(K8S, 'overlays', region, 'kustomization.yaml'))[0] as unknown as {
      resources: string[];
      namespace: string;
      configMapGenerator: { name: string; literals: string[] }[];
    };
    expect(k.resources).toEqual(['../../base']);
    expect(k.namespace).toBe(`contactcenter-${region}`);
    expect(k.configMapGenerator).toContainEqual({ name: 'region', literals: [`region=${region}`] });
  });
});
