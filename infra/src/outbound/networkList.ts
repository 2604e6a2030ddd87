import { ConfigError, type Field } from '../config';
import { isIP } from 'node:net';

/** One CIDR range, e.g. `10.20.0.0/16` or `fd12:3456::/32`. */
export interface Network {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * Parses `10.20.0.0/16`, `::1/128` or a bare address (a single host).
 * @throws Error naming the entry when it is not a CIDR range.
 */
export function parseNetwork(raw: string): Network {
  const [address = '', prefixText, extra] = raw.trim().split('/');
  const version = isIP(address);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (version === 0 || extra !== undefined || !/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
    throw new Error(`${JSON.stringify(raw)} is not a CIDR range such as 10.20.0.0/16 or fd00:1::/64`);
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * A config variable of comma-separated CIDR ranges (OUTBOUND_ALLOWED_NETWORKS);
 * empty means none. A bad entry stops the process naming the variable.
 */
export const networkList = (): Field<readonly string[]> => ({
  describe: 'comma-separated CIDR ranges, e.g. 10.20.0.0/16,127.0.0.0/8',
  parse: (raw, name) => {
    if (raw === undefined || raw.trim() === '') return [];
    const entries = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const entry of entries) {
      try {
        parseNetwork(entry);
      } catch (err) {
        throw new ConfigError(name, (err as Error).message);
      }
    }
    return entries;
  },
});
