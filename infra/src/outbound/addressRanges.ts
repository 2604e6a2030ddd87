import { BlockList, isIP } from 'node:net';

/** Why an address is not a public one, phrased to follow "<address> is …". */
export type SpecialAddressKind =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'carrier-grade NAT (shared)'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

// Special-purpose ranges (RFC 6890 and its registries). Order matters: the first match names the kind
// (255.255.255.255 is broadcast before it is reserved 240/4).
const RANGES: ReadonlyArray<readonly [SpecialAddressKind, string]> = [
  ['unspecified', '0.0.0.0/8'],
  ['unspecified', '::/128'],
  ['loopback', '127.0.0.0/8'],
  ['loopback', '::1/128'],
  ['private', '10.0.0.0/8'],
  ['private', '172.16.0.0/12'],
  ['private', '192.168.0.0/16'],
  ['carrier-grade NAT (shared)', '100.64.0.0/10'],
  ['link-local', '169.254.0.0/16'],
  ['link-local', 'fe80::/10'],
  ['unique-local', 'fc00::/7'],
  ['multicast', '224.0.0.0/4'],
  ['multicast', 'ff00::/8'],
  ['broadcast', '255.255.255.255/32'],
  ['reserved', '192.0.0.0/24'],
  ['reserved', '192.0.2.0/24'],
  ['reserved', '192.88.99.0/24'],
  ['reserved', '198.18.0.0/15'],
  ['reserved', '198.51.100.0/24'],
  ['reserved', '203.0.113.0/24'],
  ['reserved', '240.0.0.0/4'],
  ['reserved', '100::/64'],
  ['reserved', '2001::/23'], // IETF protocol assignments, Teredo included
  ['reserved', '2001:db8::/32'],
  ['reserved', '3fff::/20'],
  ['reserved', '64:ff9b:1::/48'], // local-use NAT64: the embedded IPv4 sits at a prefix length we cannot know
  ['reserved', 'fec0::/10'],
];

/**
 * Cloud instance metadata endpoints (AWS, ECS tasks, GCP, Azure, Oracle,
 * Alibaba): refused whatever the operator allows, since they hand out
 * credentials to whoever asks from inside the network.
 */
const METADATA_ADDRESSES = ['169.254.169.254', '169.254.170.2', '192.0.0.192', '100.100.100.200', 'fd00:ec2::254'];
export const METADATA_HOSTNAMES: ReadonlySet<string> = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.split('/');
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(address, Number(prefix ?? (family === 'ipv4' ? 32 : 128)), family);
  }
  return list;
}

const KINDS = [...new Set(RANGES.map(([kind]) => kind))].map((kind) => [kind, blockListOf(RANGES.filter(([k]) => k === kind).map(([, c]) => c))] as const);
const METADATA = blockListOf(METADATA_ADDRESSES);

/** The eight 16-bit groups of a valid IPv6 address (compressed or with a dotted IPv4 tail). */
function hextets(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((x) => parseInt(x, 16));
}

/**
 * The IPv4 address an IPv6 address carries and would reach: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), IPv4-translated
 * (::ffff:0:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
 */
export function embeddedIPv4(ip6: string): string | undefined {
  const h = hextets(ip6.split('%')[0] ?? ip6);
  const zero = (from: number, to: number) => h.slice(from, to).every((x) => x === 0);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const last = v4(h[6]!, h[7]!);
  if (zero(0, 5) && (h[5] === 0xffff || h[5] === 0)) return last;
  if (zero(0, 4) && h[4] === 0xffff && h[5] === 0) return last;
  if (h[0] === 0x64 && h[1] === 0xff9b && zero(2, 6)) return last;
  if (h[0] === 0x2002) return v4(h[1]!, h[2]!);
  return undefined;
}

/** `ip` itself, and the IPv4 address it embeds if any: every form in which it can be dialled. */
export function addressForms(ip: string): Array<{ address: string; family: 'ipv4' | 'ipv6' }> {
  if (isIP(ip) === 4) return [{ address: ip, family: 'ipv4' }];
  const bare = ip.split('%')[0] ?? ip;
  const inner = embeddedIPv4(bare);
  return [{ address: bare, family: 'ipv6' }, ...(inner ? [{ address: inner, family: 'ipv4' as const }] : [])];
}

/**
 * Which special-purpose range `ip` (a valid IPv4 or IPv6 address) belongs to,
 * looking through the IPv4 address an IPv6 form embeds; undefined for a
 * public address.
 *
 * @example
 *   specialKindOf('10.1.2.3')          // 'private'
 *   specialKindOf('::ffff:127.0.0.1')  // 'loopback'
 *   specialKindOf('93.184.215.14')     // undefined
 */
export function specialKindOf(ip: string): SpecialAddressKind | undefined {
  for (const { address, family } of addressForms(ip)) {
    const found = KINDS.find(([, list]) => list.check(address, family));
    if (found) return found[0];
  }
  return undefined;
}

/** Whether `ip`, or the IPv4 address it embeds, is a cloud metadata endpoint. */
export function isMetadataAddress(ip: string): boolean {
  return addressForms(ip).some(({ address, family }) => METADATA.check(address, family));
}
