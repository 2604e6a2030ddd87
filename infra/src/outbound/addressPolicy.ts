import { ValidationError } from '../errors';
import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { addressForms, isMetadataAddress, METADATA_HOSTNAMES, specialKindOf } from './addressRanges';
import { parseNetwork } from './networkList';

/** Resolves a host name to every address it has (dns.lookup with `all: true` by default). */
export type HostResolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface OutboundAddressPolicyOptions {
  /** OUTBOUND_ALLOWED_NETWORKS: CIDR ranges that may be dialled although not public (on-premises receivers). */
  allowedNetworks?: readonly string[];
  /** Replaces DNS, for tests (e.g. a host that answers differently at registration and at delivery). */
  resolve?: HostResolver;
}

/** A host that may not be dialled; `detail` says why in words a tenant understands. */
export class RefusedAddressError extends Error {
  readonly code = 'ERR_OUTBOUND_ADDRESS_REFUSED';
  constructor(readonly detail: string) {
    super(`refused: ${detail}`);
    this.name = 'RefusedAddressError';
  }
}

/** `net`'s `lookup` option, both forms (one address, or all with `options.all`). */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

const defaultResolve: HostResolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** Host names as compared: no brackets around IPv6, lower case, no trailing dot. */
const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');

/**
 * Which addresses the gateway may connect to on a tenant's behalf (webhooks,
 * identity providers' keys): public ones only, so that a URL a tenant gives
 * cannot reach the gateway's own network (loopback, private, link-local,
 * cloud metadata…). Operators may allow named ranges for on-premises
 * receivers; metadata endpoints stay refused whatever they allow.
 *
 * Check twice: `checkUrl` when the URL is given (a clear 400), and `lookup`
 * on every connection, so that a name that resolves elsewhere later (DNS
 * rebinding) still reaches nothing: the address dialled is the one checked.
 *
 * @example
 *   const policy = new OutboundAddressPolicy({ allowedNetworks: ['10.20.0.0/16'] });
 *   await policy.checkUrl('https://127.1/hook', 'url'); // ValidationError "url: must point to a public address: 127.0.0.1 is loopback"
 *   https.request(url, { lookup: policy.lookup });      // refuses at connect time too (see guardedRequest)
 */
export class OutboundAddressPolicy {
  private readonly allowed = new BlockList();
  private readonly resolve: HostResolver;

  constructor(opts: OutboundAddressPolicyOptions = {}) {
    for (const raw of opts.allowedNetworks ?? []) {
      const network = parseNetwork(raw);
      this.allowed.addSubnet(network.address, network.prefix, network.family);
    }
    this.resolve = opts.resolve ?? defaultResolve;
  }

  /** Why `ip` may not be dialled ("is loopback"), or undefined when it may. */
  refusalOf(ip: string): string | undefined {
    if (!isIP(ip)) return 'is not an IP address';
    if (isMetadataAddress(ip)) return 'is a cloud metadata address';
    const kind = specialKindOf(ip);
    if (kind === undefined) return undefined;
    const allowed = addressForms(ip).some(({ address, family }) => this.allowed.check(address, family));
    return allowed ? undefined : `is ${kind}`;
  }

  isAllowedAddress(ip: string): boolean {
    return this.refusalOf(ip) === undefined;
  }

  /**
   * Every address of `hostname` (an IP literal stands for itself), all allowed.
   * @throws RefusedAddressError when any address is refused, or the name is a metadata name.
   * @throws the resolver's error when the name does not resolve.
   */
  async resolveAllowed(hostname: string): Promise<LookupAddress[]> {
    const host = bareHost(hostname);
    if (METADATA_HOSTNAMES.has(host)) throw new RefusedAddressError(`${host} is a cloud metadata name`);
    const family = isIP(host);
    if (family !== 0) {
      const why = this.refusalOf(host);
      if (why) throw new RefusedAddressError(`${host} ${why}`);
      return [{ address: host, family }];
    }
    const addresses = [...(await this.resolve(host))];
    if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
    // Any refused address refuses the name: a resolver may answer with either, in any order.
    if (addresses.some((a) => !this.isAllowedAddress(a.address))) throw new RefusedAddressError(`${host} resolves to an address that is not public`);
    return addresses;
  }

  /**
   * Parses `raw` and checks that its host resolves to allowed addresses only.
   * @throws ValidationError naming `field` (a 400 at the edge).
   */
  async checkUrl(raw: string, field: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (err) {
      throw new ValidationError(field, 'is not a valid absolute URL', { cause: err });
    }
    try {
      await this.resolveAllowed(url.hostname);
    } catch (err) {
      if (err instanceof RefusedAddressError) throw new ValidationError(field, `must point to a public address: ${err.detail}`, { cause: err });
      throw new ValidationError(field, `host ${bareHost(url.hostname)} could not be resolved`, { cause: err });
    }
    return url;
  }

  /** A drop-in `lookup` for net/http/https: resolves, then refuses with RefusedAddressError before any connection. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolveAllowed(hostname).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        const first = wanted[0];
        if (!first) return callback(Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }), '');
        if (options.all) return callback(null, wanted);
        return callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
