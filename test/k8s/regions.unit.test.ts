/**
 * The region overlays together (issue 15): each sets its region, the list of
 * every region, its own NATS cluster joined to the others and to the witness
 * by gateways, its account, its peers and its own event store. Built with the
 * same kubectl as manifests.unit.test.ts. Each check is also run on a copy of
 * the built objects broken in one place, and must refuse it naming that.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventStoreProblems, peerProblems, regionSettingsProblems, type BuiltDeployment } from './checks/regionChecks';
import { natsRegionProblems, WITNESS } from './checks/natsRegionChecks';
import { natsConfigCheck } from './checks/platformChecks';
import { findKubectl, kustomize, ROOT, type K8sObject } from './kubectl';
import { exampleSecrets } from './workloads';

jest.setTimeout(60_000);

const K8S = join(ROOT, 'k8s');
const REGIONS = readdirSync(join(K8S, 'overlays')).filter((o) => o !== WITNESS);
const secrets = exampleSecrets(join(K8S, 'secrets'));
const kubectl = findKubectl();

const allProblems = (d: BuiltDeployment) => [
  ...regionSettingsProblems(d),
  ...[...d.regions].flatMap(([region, objects]) => peerProblems(region, objects, secrets)),
  ...eventStoreProblems(d, secrets),
  ...natsRegionProblems(d, secrets),
];

/** A deep copy with one change: `edit` gets the copy's objects of one overlay. */
function broken(d: BuiltDeployment, overlay: string, edit: (objects: K8sObject[]) => void): BuiltDeployment {
  const copy: BuiltDeployment = structuredClone(d);
  edit(overlay === WITNESS ? copy.witness! : copy.regions.get(overlay)!);
  return copy;
}
const find = (objects: K8sObject[], kind: string, prefix: string) => objects.find((o) => o.kind === kind && o.metadata.name.startsWith(prefix))!;
const editFile = (objects: K8sObject[], file: string, from: string | RegExp, to: string) => {
  const data = find(objects, 'ConfigMap', 'nats-config').data!;
  const before = data[file]!;
  data[file] = before.replace(from, to);
  if (data[file] === before) throw new Error(`the broken copy did not change ${file}`);
};
const container = (objects: K8sObject[], name: string) => find(objects, 'Deployment', name).spec.template.spec.containers[0];

if ('unavailable' in kubectl) {
  it.skip(`builds the region overlays: skipped, no kubectl (${kubectl.unavailable})`, () => undefined);
} else {
  let built: BuiltDeployment;
  beforeAll(() => {
    built = {
      regions: new Map(REGIONS.map((r) => [r, kustomize(kubectl.path, join(K8S, 'overlays', r))])),
      witness: kustomize(kubectl.path, join(K8S, 'overlays', WITNESS)),
    };
  });

  it('has at least two regions and a witness', () => {
    expect(REGIONS.length).toBeGreaterThanOrEqual(2);
    expect(built.witness!.filter((o) => ['Deployment', 'Job'].includes(o.kind))).toEqual([]);
    expect(find(built.witness!, 'StatefulSet', 'nats').spec.replicas).toBeGreaterThanOrEqual(1);
  });

  it('sets REGION to the overlay, REGIONS to every region overlay, NATS_USER to the region', () => {
    expect(regionSettingsProblems(built)).toEqual([]);
  });

  it("points every *_GRPC_ADDR at a Service of the region's own namespace", () => {
    for (const [region, objects] of built.regions) expect(peerProblems(region, objects, secrets)).toEqual([]);
  });

  it('gives every region its own event store Cluster and backup path', () => {
    expect(eventStoreProblems(built, secrets)).toEqual([]);
  });

  it('joins the regions and the witness into one NATS super-cluster with an account per region', () => {
    expect(natsRegionProblems(built, secrets)).toEqual([]);
  });

  it("starts the witness's NATS configuration with nats-server -t", () => {
    const check = natsConfigCheck(built.witness!, secrets);
    if (!check) console.warn('test/k8s: nats-server not installed, the witness nats.conf not checked');
    expect(check?.problems ?? []).toEqual([]);
  });

  describe('refuses a copy broken in one place, naming it', () => {
    const [eu, us] = [REGIONS[0]!, REGIONS[1]!];
    it.each<[string, string, (o: K8sObject[]) => void, string]>([
      ['REGIONS without another region', eu, (o) => (find(o, 'ConfigMap', 'contactcenter-').data!.REGIONS = eu), `overlay ${eu}: REGIONS is ${eu}`],
      ['REGION of another overlay', us, (o) => (find(o, 'ConfigMap', 'contactcenter-').data!.REGION = eu), `overlay ${us}: REGION is ${eu}`],
      ['a peer in another region', eu, (o) => (container(o, 'routing').env.find((e: { name: string }) => e.name === 'PRESENCE_GRPC_ADDR').value = `dns:///presence-headless.contactcenter-${us}:50053`), `is outside the region's namespace contactcenter-${eu}`],
      ['a peer on a port its Service does not serve', eu, (o) => (container(o, 'routing').env.find((e: { name: string }) => e.name === 'PRESENCE_GRPC_ADDR').value = 'dns:///presence-headless:50099'), 'Service presence-headless does not serve port 50099'],
      ['the backup path of another region', us, (o) => (find(o, 'Cluster', 'eventstore').spec.backup.barmanObjectStore.destinationPath = `s3://contactcenter-backups-${eu}/eventstore`), 'a path that does not name the region'],
      ['the gateway entry of another region at its own gateway', eu, (o) => editFile(o, 'gateways.conf', `nats-gateway.contactcenter-${us}.example.com`, `nats-gateway.contactcenter-${eu}.example.com`), `overlay ${eu}: the gateway entry for ${us} (nats-gateway.contactcenter-${eu}.example.com:7222) is ${eu}'s own gateway`],
      ['no gateway entry for the witness', us, (o) => editFile(o, 'gateways.conf', /^.*name: "witness".*$/m, ''), `overlay ${us}: no gateway entry for ${WITNESS}`],
      ['the gateway named after another region', us, (o) => (find(o, 'ConfigMap', 'contactcenter-').data!.REGION = eu), `overlay ${us}: NATS cluster ${eu} and gateway ${eu}, not ${us}`],
      ["a region's account not importing another's", eu, (o) => editFile(o, 'accounts.conf', `{ service: { account: ${us.toUpperCase().replace(/-/g, '_')}`, '{ service: { account: NOBODY'), `does not import region.${us}.>`],
      ["a region's account not exporting its own", us, (o) => editFile(o, 'accounts.conf', `service: "region.${us}.>" }`, `service: "region.${us}.x" }`), `does not export region.${us}.>`],
      ["a region's account not exporting its events", us, (o) => editFile(o, 'accounts.conf', `service: "region.${us}.>" }, { stream: "cc.>" }]`, `service: "region.${us}.>" }]`), `account ${us.toUpperCase().replace(/-/g, '_')} does not export its events`],
      ["a region's account not importing another's events", eu, (o) => editFile(o, 'accounts.conf', `to: "region-events.${us}.cc.>"`, 'to: "elsewhere.cc.>"'), `does not import ${us.toUpperCase().replace(/-/g, '_')}'s events (cc.>) as region-events.${us}.cc.>`],
      ["another region's events imported under its service subjects", eu, (o) => editFile(o, 'accounts.conf', `to: "region-events.${us}.cc.>"`, `to: "region.${us}.events.cc.>"`), `imports events as region.${us}.events.cc.>`],
      ['the password written into the configuration', eu, (o) => editFile(o, 'accounts.conf', 'password: $NATS_PASSWORD', 'password: "hunter2"'), 'with the password of Secret nats-credentials'],
      ['a JetStream domain per region', eu, (o) => editFile(o, 'nats.conf', 'store_dir: /data/jetstream', `store_dir: /data/jetstream\n  domain: ${eu}`), 'JetStream domains differ'],
      ['no witness server', WITNESS, (o) => (find(o, 'StatefulSet', 'nats').spec.replicas = 0), "loses the meta group's majority"],
      ['the gateway port open to the internet', us, (o) => (find(o, 'NetworkPolicy', 'nats').spec.ingress.at(-1).from = [{ ipBlock: { cidr: '0.0.0.0/0' } }]), `overlay ${us}: NetworkPolicy nats opens 0.0.0.0/0`],
      ['the gateway load balancer open to anyone', WITNESS, (o) => delete find(o, 'Service', 'nats-gateway').spec.loadBalancerSourceRanges, `overlay ${WITNESS}: Service nats-gateway's load balancer admits anyone`],
    ])('%s', (_what, overlay, edit, problem) => {
      expect(allProblems(built)).toEqual([]);
      expect(allProblems(broken(built, overlay, edit))).toContainEqual(expect.stringContaining(problem));
    });
  });
}
