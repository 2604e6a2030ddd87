/**
 * NetworkPolicy semantics, enough to ask "may A reach B on port P?" of a
 * built overlay: a pod selected by no policy of a direction is open in that
 * direction; otherwise one rule of one selecting policy must match the peer
 * (podSelector, namespaceSelector, ipBlock) and the port (number or name,
 * protocol, endPort). Named ports mean the destination pod's port names.
 */
import type { K8sObject } from '../kubectl';

export type Labels = Record<string, string>;
export type Port = { port: number; name?: string; protocol: 'TCP' | 'UDP' };

/** A pod (or the internet) that traffic can come from or go to. */
export interface Endpoint {
  name: string;
  /** Undefined for addresses outside the cluster. */
  namespace?: string;
  namespaceLabels: Labels;
  labels: Labels;
  ip: string;
  ports: Port[];
}

type Selector = { matchLabels?: Labels; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

export function selects(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return key in labels && values.includes(labels[key]!);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]!);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}

const ipv4 = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base!) / size);
}

type Peer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string; except?: string[] } };

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  if (other.namespace === undefined) return false;
  if (!peer.namespaceSelector && other.namespace !== policyNamespace) return false;
  if (peer.namespaceSelector && !selects(peer.namespaceSelector, other.namespaceLabels)) return false;
  return selects(peer.podSelector, other.labels);
}

type RulePort = { port?: number | string; endPort?: number; protocol?: string };
function portMatches(rulePorts: RulePort[] | undefined, port: Port): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((r) => {
    if ((r.protocol ?? 'TCP') !== port.protocol) return false;
    if (r.port === undefined) return true;
    if (typeof r.port === 'string') return r.port === port.name;
    return r.endPort ? port.port >= r.port && port.port <= r.endPort : port.port === r.port;
  });
}

/** May `self` send (egress) to / receive (ingress) from `other` on `port` (a port of the destination)? */
export function allowedOneSide(policies: K8sObject[], direction: 'Ingress' | 'Egress', self: Endpoint, other: Endpoint, port: Port): boolean {
  if (self.namespace === undefined) return true; // outside the cluster: not ours to police
  const selecting = policies.filter(
    (p) => p.metadata.namespace === self.namespace && selects(p.spec.podSelector, self.labels) && (p.spec.policyTypes ?? ['Ingress']).includes(direction),
  );
  if (selecting.length === 0) return true;
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const peersKey = direction === 'Ingress' ? 'from' : 'to';
  return selecting.some((p) =>
    (p.spec[key] ?? []).some(
      (rule: Record<string, unknown>) =>
        (!(rule[peersKey] as Peer[] | undefined)?.length || (rule[peersKey] as Peer[]).some((peer) => peerMatches(peer, p.metadata.namespace!, other))) &&
        portMatches(rule.ports as RulePort[] | undefined, port),
    ),
  );
}

export function allowed(policies: K8sObject[], from: Endpoint, to: Endpoint, port: Port): boolean {
  return allowedOneSide(policies, 'Egress', from, to, port) && allowedOneSide(policies, 'Ingress', to, from, port);
}
