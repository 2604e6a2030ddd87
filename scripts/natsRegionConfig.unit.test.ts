import { ConfigError } from '@contactcenter/infra';
import { regionAccount, renderRegionNatsConfig, type RegionNatsConfigInput } from './natsRegionConfig';

const eu: RegionNatsConfigInput = {
  cluster: 'eu',
  regions: ['eu', 'us'],
  gateways: { eu: ['nats://127.0.0.1:7222'], us: ['nats://127.0.0.1:7322'], witness: ['nats://127.0.0.1:7422'] },
  passwords: { eu: 'eu-secret', us: 'us-secret' },
  ports: { client: 4222, cluster: 6222, gateway: 7222, http: 8222 },
  storeDir: '/data/eu',
};

/** The message of the ConfigError `render` throws (fails the test when it does not throw one). */
function refusal(input: RegionNatsConfigInput): { variable: string; message: string } {
  try {
    renderRegionNatsConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return { variable: (err as ConfigError).variable, message: (err as Error).message };
  }
  throw new Error('rendered a configuration that cannot work');
}

describe('renderRegionNatsConfig', () => {
  it('renders the region cluster, its gateways to the other clusters and every region account', () => {
    const text = renderRegionNatsConfig(eu);
    expect(text).toContain('server_name: "eu"');
    expect(text).toContain('listen: "127.0.0.1:4222"');
    expect(text).toContain('http: "127.0.0.1:8222"');
    expect(text).toContain('jetstream { store_dir: "/data/eu" }');
    // A one-server cluster still needs a route (its own) to be a cluster that JetStream clusters on.
    expect(text).toMatch(/cluster \{\n {2}name: "eu"\n {2}listen: "127.0.0.1:6222"\n {2}routes: \["nats-route:\/\/127.0.0.1:6222"\]/);
    expect(text).toContain('{ name: "us", urls: ["nats://127.0.0.1:7322"] }');
    expect(text).toContain('{ name: "witness", urls: ["nats://127.0.0.1:7422"] }');
    expect(text).not.toContain('{ name: "eu"'); // its own entry: left out
    expect(text).toContain('users: [{ user: "eu", password: "eu-secret" }]');
    expect(text).toContain('users: [{ user: "us", password: "us-secret" }]');
    expect(text).toContain('exports: [{ service: "region.eu.>" }, { stream: "cc.>" }]');
    expect(text).toContain('imports: [{ service: { account: "US", subject: "region.us.>" } }, { stream: { account: "US", subject: "cc.>" }, to: "region-events.us.cc.>" }]');
    expect(text).toContain('imports: [{ service: { account: "EU", subject: "region.eu.>" } }, { stream: { account: "EU", subject: "cc.>" }, to: "region-events.eu.cc.>" }]');
    expect(text).toContain('system_account: SYS');
    expect(text.match(/jetstream: enabled/g)).toHaveLength(2);
  });

  it('renders the witness with the same accounts and an advertised gateway address', () => {
    const text = renderRegionNatsConfig({ ...eu, cluster: 'witness', gatewayAdvertise: '127.0.0.1:9999', ports: { client: 4422, cluster: 6422, gateway: 7422 } });
    expect(text).toContain('name: "witness"');
    expect(text).toContain('advertise: "127.0.0.1:9999"');
    expect(text).toContain('{ name: "eu", urls: ["nats://127.0.0.1:7222"] }');
    expect(text).not.toContain('http:');
    expect(text).toContain('EU: {');
  });

  it("imports every other region's events under region-events.<home>., and never its own", () => {
    const text = renderRegionNatsConfig({ ...eu, regions: ['eu', 'us', 'ap'], passwords: { eu: 'a', us: 'b', ap: 'c' }, gateways: {} });
    const euAccount = text.slice(text.indexOf('  EU: {'), text.indexOf('  US: {'));
    expect(euAccount).toContain('{ stream: { account: "US", subject: "cc.>" }, to: "region-events.us.cc.>" }');
    expect(euAccount).toContain('{ stream: { account: "AP", subject: "cc.>" }, to: "region-events.ap.cc.>" }');
    expect(euAccount).not.toContain('region-events.eu');
    expect(text.match(/\{ stream: "cc\.>" \}/g)).toHaveLength(3);
  });

  it('names accounts after regions: upper case, - as _', () => {
    expect(regionAccount('eu-west-1')).toBe('EU_WEST_1');
  });

  it('refuses a region named twice, naming REGIONS', () => {
    expect(refusal({ ...eu, regions: ['eu', 'us', 'eu'] })).toEqual({ variable: 'REGIONS', message: 'REGIONS: names region "eu" twice' });
  });

  it('refuses a bad or reserved region name, naming REGIONS', () => {
    expect(refusal({ ...eu, regions: ['eu', 'US'] }).variable).toBe('REGIONS');
    expect(refusal({ ...eu, regions: ['eu', 'witness'] }).message).toMatch(/^REGIONS: "witness" is reserved/);
    expect(refusal({ ...eu, regions: ['eu', 'sys'], passwords: { eu: 'a', sys: 'b' } }).message).toMatch(/^REGIONS: "sys" is reserved/);
  });

  it('refuses a server whose region is not among REGIONS', () => {
    expect(refusal({ ...eu, cluster: 'ap' }).variable).toBe('REGION');
  });

  it("refuses another region's gateway pointing at this server's own gateway address, naming NATS_GATEWAY_URLS", () => {
    const { variable, message } = refusal({ ...eu, gateways: { us: ['nats://127.0.0.1:7322', 'nats://127.0.0.1:7222'] } });
    expect(variable).toBe('NATS_GATEWAY_URLS');
    expect(message).toBe("NATS_GATEWAY_URLS: the gateway of us (nats://127.0.0.1:7222) is this server's own gateway address (cluster eu)");
    expect(message).not.toContain('\n');
  });

  it('refuses a remote gateway at the address this server advertises', () => {
    const input = { ...eu, gatewayAdvertise: 'eu-nats.example:7222', gateways: { us: ['nats://eu-nats.example:7222'] } };
    expect(refusal(input).variable).toBe('NATS_GATEWAY_URLS');
  });

  it('refuses an unknown cluster, an empty list and a URL that is not nats://host:port', () => {
    expect(refusal({ ...eu, gateways: { ap: ['nats://127.0.0.1:7522'] } }).message).toMatch(/^NATS_GATEWAY_URLS: names "ap"/);
    expect(refusal({ ...eu, gateways: { us: [] } }).message).toBe('NATS_GATEWAY_URLS: lists no URL for us');
    expect(refusal({ ...eu, gateways: { us: ['http://127.0.0.1:7322'] } }).variable).toBe('NATS_GATEWAY_URLS');
    expect(refusal({ ...eu, gateways: { us: ['not a url'] } }).variable).toBe('NATS_GATEWAY_URLS');
  });
});
