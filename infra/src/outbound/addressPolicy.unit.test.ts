import { ConfigError, loadConfig } from '../config';
import { ValidationError } from '../errors';
import type { LookupAddress } from 'node:dns';
import { OutboundAddressPolicy, RefusedAddressError, type HostResolver } from './addressPolicy';
import { networkList } from './networkList';

/** Answers from a table, never from DNS: no test depends on (or reaches) the network. */
const resolverOf = (table: Record<string, string[]>): HostResolver => async (hostname) => {
  const addresses = table[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
};
const PUBLIC = '93.184.215.14';
const resolve = resolverOf({
  'hooks.example.com': [PUBLIC, '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'sneaky.example.com': [PUBLIC, '10.0.0.7'],
  'internal.example.com': ['192.168.1.20'],
  'onprem.example.com': ['10.20.3.4'],
});

async function refusal(policy: OutboundAddressPolicy, url: string): Promise<ValidationError> {
  const err = await policy.checkUrl(url, 'url').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ValidationError).field).toBe('url');
  return err as ValidationError;
}

describe('OutboundAddressPolicy', () => {
  const policy = new OutboundAddressPolicy({ resolve });

  it.each([
    ['https://127.0.0.1:9555/hook', '127.0.0.1 is loopback'],
    ['https://2130706433/', '127.0.0.1 is loopback'],
    ['https://0x7f.1/', '127.0.0.1 is loopback'],
    ['https://127.1/', '127.0.0.1 is loopback'],
    ['https://017700000001/', '127.0.0.1 is loopback'],
    ['https://[::1]/', '::1 is loopback'],
    ['https://[::ffff:127.0.0.1]/', '::ffff:7f00:1 is loopback'],
    ['https://[::127.0.0.1]/', 'is loopback'],
    ['https://[64:ff9b::127.0.0.1]/', 'is loopback'],
    ['https://[64:ff9b::10.0.0.1]/', 'is private'],
    ['https://[2002:7f00:1::]/', 'is loopback'],
    ['https://0.0.0.0/', '0.0.0.0 is unspecified'],
    ['https://[::]/', ':: is unspecified'],
    ['https://10.0.0.1/', '10.0.0.1 is private'],
    ['https://172.16.5.4/', 'is private'],
    ['https://192.168.0.1/', 'is private'],
    ['https://100.64.0.1/', 'is carrier-grade NAT (shared)'],
    ['https://169.254.1.1/', 'is link-local'],
    ['https://[fe80::1]/', 'is link-local'],
    ['https://[fd12:3456::1]/', 'is unique-local'],
    ['https://224.0.0.1/', 'is multicast'],
    ['https://[ff02::1]/', 'is multicast'],
    ['https://255.255.255.255/', 'is broadcast'],
    ['https://240.0.0.1/', 'is reserved'],
    ['https://192.0.2.1/', 'is reserved'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is a cloud metadata address'],
    ['https://[fd00:ec2::254]/', 'is a cloud metadata address'],
    ['https://[::ffff:169.254.169.254]/', 'is a cloud metadata address'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal is a cloud metadata name'],
    ['https://METADATA.google.internal./', 'is a cloud metadata name'],
    ['https://metadata/', 'metadata is a cloud metadata name'],
    ['https://internal.example.com/', 'internal.example.com resolves to an address that is not public'],
    ['https://sneaky.example.com/', 'resolves to an address that is not public'],
  ])('refuses %s (%s) with a 400 naming url', async (url, why) => {
    const err = await refusal(policy, url);
    expect(err.message).toContain('url: must point to a public address: ');
    expect(err.message).toContain(why);
  });

  it('refuses localhost as resolved by the real resolver', async () => {
    const real = new OutboundAddressPolicy();
    expect((await refusal(real, 'https://localhost:9555/')).message).toMatch(/localhost resolves to an address that is not public/);
  });

  it('accepts a public address and a name whose every address is public', async () => {
    await expect(policy.checkUrl(`https://${PUBLIC}/h`, 'url')).resolves.toBeInstanceOf(URL);
    await expect(policy.checkUrl('https://hooks.example.com/h', 'url')).resolves.toBeInstanceOf(URL);
    expect(policy.isAllowedAddress('8.8.8.8')).toBe(true);
    expect(policy.isAllowedAddress('2001:4860:4860::8888')).toBe(true);
    expect(policy.isAllowedAddress('::ffff:8.8.8.8')).toBe(true);
  });

  it('says so when a name does not resolve', async () => {
    expect((await refusal(policy, 'https://nowhere.example.com/')).message).toBe('url: host nowhere.example.com could not be resolved');
  });

  describe('allowed networks (OUTBOUND_ALLOWED_NETWORKS)', () => {
    const onPrem = new OutboundAddressPolicy({ resolve, allowedNetworks: ['10.20.0.0/16', '127.0.0.0/8'] });

    it('lets the operator’s ranges through, and only those', async () => {
      await expect(onPrem.checkUrl('https://onprem.example.com/h', 'url')).resolves.toBeInstanceOf(URL);
      await expect(onPrem.checkUrl('https://127.0.0.1:8443/h', 'url')).resolves.toBeInstanceOf(URL);
      await expect(onPrem.checkUrl('https://[::ffff:127.0.0.1]/h', 'url')).resolves.toBeInstanceOf(URL);
      await refusal(onPrem, 'https://10.21.0.1/');
      await refusal(onPrem, 'https://internal.example.com/');
    });

    it('refuses the same ranges without the setting', async () => {
      await refusal(policy, 'https://onprem.example.com/h');
      await refusal(policy, 'https://127.0.0.1:8443/h');
    });

    it('never lets metadata endpoints through, whatever is allowed', async () => {
      const everything = new OutboundAddressPolicy({ resolve, allowedNetworks: ['0.0.0.0/0', '::/0'] });
      await expect(everything.checkUrl('https://10.0.0.1/', 'url')).resolves.toBeInstanceOf(URL);
      expect((await refusal(everything, 'https://169.254.169.254/')).message).toContain('cloud metadata address');
      expect((await refusal(everything, 'https://[fd00:ec2::254]/')).message).toContain('cloud metadata address');
      expect((await refusal(everything, 'https://metadata.google.internal/')).message).toContain('cloud metadata name');
    });

    it('is validated at start: a bad range stops the process naming the variable', () => {
      const schema = { OUTBOUND_ALLOWED_NETWORKS: networkList() };
      expect(loadConfig(schema, {}).OUTBOUND_ALLOWED_NETWORKS).toEqual([]);
      expect(loadConfig(schema, { OUTBOUND_ALLOWED_NETWORKS: '10.20.0.0/16, 127.0.0.0/8' }).OUTBOUND_ALLOWED_NETWORKS).toEqual(['10.20.0.0/16', '127.0.0.0/8']);
      for (const bad of ['10.20.0.0/33', 'ten/8', '10.0.0.0/8/1', 'fd00::/129', '10.0.0.0/']) {
        expect(() => loadConfig(schema, { OUTBOUND_ALLOWED_NETWORKS: bad })).toThrow(ConfigError);
        expect(() => loadConfig(schema, { OUTBOUND_ALLOWED_NETWORKS: bad })).toThrow(/^OUTBOUND_ALLOWED_NETWORKS: /);
      }
    });
  });

  describe('lookup (connect time)', () => {
    const lookup = (p: OutboundAddressPolicy, host: string, options: { all?: boolean; family?: number }) =>
      new Promise<{ err: Error | null; address: unknown; family?: number }>((done) => p.lookup(host, options, (err, address, family) => done({ err, address, family })));

    it('answers allowed addresses in both forms net uses', async () => {
      expect(await lookup(policy, 'hooks.example.com', {})).toEqual({ err: null, address: PUBLIC, family: 4 });
      expect((await lookup(policy, 'hooks.example.com', { all: true })).address).toHaveLength(2);
      expect((await lookup(policy, 'hooks.example.com', { family: 6 })).family).toBe(6);
    });

    it('refuses a name with any disallowed address, or a metadata name', async () => {
      for (const host of ['sneaky.example.com', 'internal.example.com', 'metadata.google.internal']) {
        expect((await lookup(policy, host, { all: true })).err).toBeInstanceOf(RefusedAddressError);
      }
    });
  });
});
