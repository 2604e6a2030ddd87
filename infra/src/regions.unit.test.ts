import { ValidationError } from './errors';
import { homeRegionOf, isMultiRegion, isRegionName, parseRegionSettings, regionConversationId, regionSubject } from './regions';
import { validationFieldOf as fieldOf } from '../../test/support/validationField';


describe('region names', () => {
  it.each(['eu', 'us', 'eu-west-1', 'a', 'x'.repeat(32)])('accepts %s', (name) => expect(isRegionName(name)).toBe(true));
  it.each(['', 'EU', 'eu_west', 'eu.west', '1eu', 'eu-', '-eu', 'eu west', 'x'.repeat(33), 'eu*', 'eu>'])('refuses %j', (name) => expect(isRegionName(name)).toBe(false));
});

describe('parseRegionSettings', () => {
  it('is REGION alone when REGIONS is unset or blank', () => {
    expect(parseRegionSettings('eu')).toEqual({ region: 'eu', regions: ['eu'] });
    expect(parseRegionSettings('eu', '  ')).toEqual({ region: 'eu', regions: ['eu'] });
  });

  it('reads the list, trimming spaces, in the order given', () => {
    expect(parseRegionSettings('us', 'eu, us ,ap-south-1')).toEqual({ region: 'us', regions: ['eu', 'us', 'ap-south-1'] });
  });

  it.each([
    ['EU', 'eu,us', 'REGION'],
    ['eu', 'eu,us,eu', 'REGIONS'],
    ['eu', 'eu,US', 'REGIONS'],
    ['eu', 'eu,,us', 'REGIONS'],
    ['eu', 'eu_1,us', 'REGIONS'],
    ['eu', 'us,ap', 'REGIONS'],
  ])('REGION=%s REGIONS=%s is refused naming %s', (region, regions, variable) => {
    expect(fieldOf(() => parseRegionSettings(region, regions))).toBe(variable);
  });

  it('says which name is repeated and that REGION must be listed', () => {
    expect(() => parseRegionSettings('eu', 'eu,us,us')).toThrow('REGIONS: names the region "us" twice');
    expect(() => parseRegionSettings('eu', 'us')).toThrow(/REGIONS: must include .*"eu"/);
  });

  it('knows single- from multi-region', () => {
    expect(isMultiRegion(parseRegionSettings('eu'))).toBe(false);
    expect(isMultiRegion(parseRegionSettings('eu', 'eu,us'))).toBe(true);
  });
});

describe('homeRegionOf', () => {
  const regions = ['eu', 'us', 'eu-west-1'];
  it.each([
    ['us_3f0c2b6e-8a4b-4c1e-9d55-0b7a1a7e5f10', 'us'],
    ['eu-west-1_abc', 'eu-west-1'],
    ['eu_x_y', 'eu'],
  ])('%s is homed in %s', (id, home) => expect(homeRegionOf(id, regions)).toBe(home));

  it.each(['3f0c2b6e-8a4b-4c1e-9d55-0b7a1a7e5f10', 'ap_abc', '_abc', 'ik-eu_abc', 'eu'])('%s has no home region (served where asked)', (id) => {
    expect(homeRegionOf(id, regions)).toBeUndefined();
  });

  it('round-trips regionConversationId', () => {
    expect(homeRegionOf(regionConversationId('eu-west-1', 'abc'), regions)).toBe('eu-west-1');
    expect(regionConversationId('us', 'abc')).toBe('us_abc');
    expect(() => regionConversationId('US', 'abc')).toThrow(ValidationError);
  });
});

describe('regionSubject', () => {
  it('is region.<region>.<service>, outside cc.>', () => {
    expect(regionSubject('eu', 'gateway')).toBe('region.eu.gateway');
    expect(regionSubject('eu-west-1', 'routing')).toBe('region.eu-west-1.routing');
  });

  it.each([
    ['eu.*', 'gateway', 'region'],
    ['>', 'gateway', 'region'],
    ['eu', 'gate.way', 'service'],
    ['eu', '*', 'service'],
  ])('refuses tokens that would widen the subject: %s %s', (region, service, field) => {
    expect(fieldOf(() => regionSubject(region, service))).toBe(field);
  });
});
