import { ValidationError } from '@contactcenter/infra/errors';
import { countryOfHeader, placeConversation, validResidencySettings, type ResidencyRule } from './residencyRules';

const REGIONS = ['eu', 'us', 'ap-south-1'];

/** Given settings as an admin wrote them, when validated: the field the refusal names. */
function refusedField(input: { homeRegion: string; rules?: ResidencyRule[] }): string {
  try {
    validResidencySettings(input, REGIONS);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).field;
  }
  throw new Error('expected a ValidationError');
}

describe('validResidencySettings', () => {
  it('given known regions and assigned country codes, when validated, then they are kept as written (a copy)', () => {
    const input = { homeRegion: 'us', rules: [{ countries: ['DE', 'FR'], region: 'eu' }, { countries: ['IN'], region: 'ap-south-1' }] };
    const settings = validResidencySettings(input, REGIONS);
    expect(settings).toEqual(input);
    input.rules[0]!.countries.push('IT');
    expect(settings.rules[0]!.countries).toEqual(['DE', 'FR']);
  });

  it('given no rules, when validated, then every conversation goes home', () => {
    expect(validResidencySettings({ homeRegion: 'eu' }, REGIONS)).toEqual({ homeRegion: 'eu', rules: [] });
  });

  it('given a home region the deployment does not have, then `homeRegion` is named', () => {
    expect(refusedField({ homeRegion: 'mars', rules: [] })).toBe('homeRegion');
  });

  it('given a rule with an unknown region, then that rule\'s `region` is named', () => {
    expect(refusedField({ homeRegion: 'eu', rules: [{ countries: ['DE'], region: 'eu' }, { countries: ['US'], region: 'usa' }] })).toBe('rules[1].region');
  });

  it('given a code that is not an assigned upper-case alpha-2 code, then that entry is named', () => {
    expect(refusedField({ homeRegion: 'eu', rules: [{ countries: ['DE', 'FR', 'de'], region: 'eu' }] })).toBe('rules[0].countries[2]');
    expect(refusedField({ homeRegion: 'eu', rules: [{ countries: ['DEU'], region: 'eu' }] })).toBe('rules[0].countries[0]');
    expect(refusedField({ homeRegion: 'eu', rules: [{ countries: ['QQ'], region: 'eu' }] })).toBe('rules[0].countries[0]');
  });

  it('given a reserved code an admin may mean something by, then the refusal suggests the assigned one', () => {
    expect(() => validResidencySettings({ homeRegion: 'eu', rules: [{ countries: ['UK'], region: 'eu' }] }, REGIONS)).toThrow(/did you mean GB\?/);
    expect(() => validResidencySettings({ homeRegion: 'eu', rules: [{ countries: ['fr'], region: 'eu' }] }, REGIONS)).toThrow(/did you mean FR\?/);
  });

  it('given a country in two rules, then its place in the second rule is named', () => {
    const input = { homeRegion: 'eu', rules: [{ countries: ['DE', 'FR'], region: 'eu' }, { countries: ['US', 'FR'], region: 'us' }] };
    expect(refusedField(input)).toBe('rules[1].countries[1]');
    expect(() => validResidencySettings(input, REGIONS)).toThrow(/already placed by rules\[0\]/);
  });

  it('given a country twice in one rule, then the second is named', () => {
    expect(refusedField({ homeRegion: 'eu', rules: [{ countries: ['DE', 'DE'], region: 'eu' }] })).toBe('rules[0].countries[1]');
  });

  it('given a rule without countries, then its `countries` is named', () => {
    expect(refusedField({ homeRegion: 'eu', rules: [{ countries: [], region: 'eu' }] })).toBe('rules[0].countries');
  });
});

describe('placeConversation', () => {
  const settings = { homeRegion: 'us', rules: [{ countries: ['DE', 'FR'], region: 'eu' }, { countries: ['IN'], region: 'ap-south-1' }] };

  it('given a visitor from a country a rule names, then that rule\'s region', () => {
    expect(placeConversation(settings, { country: 'FR', localRegion: 'us' })).toEqual({ region: 'eu', reason: 'country FR → rule 0' });
    expect(placeConversation(settings, { country: 'IN', localRegion: 'eu' })).toEqual({ region: 'ap-south-1', reason: 'country IN → rule 1' });
  });

  it('given a visitor from a country no rule names, then the home region', () => {
    expect(placeConversation(settings, { country: 'BR', localRegion: 'eu' })).toEqual({ region: 'us', reason: 'home region' });
  });

  it('given a visitor whose country is unknown, then the home region', () => {
    expect(placeConversation(settings, { localRegion: 'eu' })).toEqual({ region: 'us', reason: 'home region' });
  });

  it('given a tenant without settings, then the region that received the start', () => {
    expect(placeConversation(undefined, { country: 'DE', localRegion: 'ap-south-1' })).toEqual({ region: 'ap-south-1', reason: 'local region' });
  });
});

describe('countryOfHeader', () => {
  it('takes a two-letter code, upper-cased', () => {
    expect(countryOfHeader('DE')).toBe('DE');
    expect(countryOfHeader('fr')).toBe('FR');
  });

  it('takes nothing else as a country', () => {
    for (const value of [undefined, '', 'T1', 'DEU', ' DE', 'D', ['DE', 'FR']]) expect(countryOfHeader(value)).toBeUndefined();
  });
});
