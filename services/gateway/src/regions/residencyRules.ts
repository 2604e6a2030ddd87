import { ValidationError } from '@contactcenter/infra/errors';
import { isCountryCode, MEANT } from './countryCodes';

/**
 * A tenant's data residency: where its visitors' new conversations live.
 * Pure: no I/O, the deployment's regions come in as an argument.
 *
 * @example
 *   const settings = validResidencySettings({ homeRegion: 'us', rules: [{ countries: ['DE', 'FR'], region: 'eu' }] }, ['eu', 'us']);
 *   placeConversation(settings, { country: 'DE', localRegion: 'us' }); // { region: 'eu', reason: 'country DE → rule 0' }
 *   placeConversation(settings, { country: 'BR', localRegion: 'eu' }); // { region: 'us', reason: 'home region' }
 */
export interface ResidencySettings {
  /** Where conversations go that no rule places. */
  homeRegion: string;
  /** First match wins, though a country is in one rule at most. */
  rules: ResidencyRule[];
}

export interface ResidencyRule {
  /** ISO 3166-1 alpha-2 codes, upper case (`DE`, `FR`). */
  countries: string[];
  region: string;
}

export interface Placement {
  region: string;
  /** Why, for logs and the start's answer: `country DE → rule 0`, `home region`, `local region`. */
  reason: string;
}

/**
 * The settings if every region is one of the deployment's and every country
 * an assigned code named once across all rules; a copy, so that later changes
 * to `input` do not reach it.
 * @throws ValidationError naming the first field at fault (`homeRegion`, `rules[1].region`, `rules[0].countries[2]`).
 */
export function validResidencySettings(input: { homeRegion: string; rules?: ResidencyRule[] }, regions: readonly string[]): ResidencySettings {
  requireKnownRegion('homeRegion', input.homeRegion, regions);
  const ruleOf = new Map<string, number>();
  const rules = (input.rules ?? []).map((rule, i) => {
    requireKnownRegion(`rules[${i}].region`, rule.region, regions);
    if (rule.countries.length === 0) throw new ValidationError(`rules[${i}].countries`, 'must name at least one country');
    rule.countries.forEach((country, j) => {
      const field = `rules[${i}].countries[${j}]`;
      requireCountryCode(field, country);
      const earlier = ruleOf.get(country);
      if (earlier !== undefined) {
        throw new ValidationError(field, earlier === i ? `${country} is listed twice in this rule` : `${country} is already placed by rules[${earlier}]; a country may be in one rule only`);
      }
      ruleOf.set(country, i);
    });
    return { countries: [...rule.countries], region: rule.region };
  });
  return { homeRegion: input.homeRegion, rules };
}

/**
 * Where a visitor's new conversation lives: the rule naming the visitor's
 * country, else the tenant's home region, else (no settings) the region that
 * received the start.
 */
export function placeConversation(settings: ResidencySettings | undefined, visitor: { country?: string; localRegion: string }): Placement {
  if (!settings) return { region: visitor.localRegion, reason: 'local region' };
  const { country } = visitor;
  if (country !== undefined) {
    const i = settings.rules.findIndex((rule) => rule.countries.includes(country));
    if (i >= 0) return { region: settings.rules[i]!.region, reason: `country ${country} → rule ${i}` };
  }
  return { region: settings.homeRegion, reason: 'home region' };
}

/**
 * The visitor's country from the header a CDN or load balancer sets
 * (`cf-ipcountry`): only a two-letter code counts, upper-cased; anything
 * else (absent, `T1` for Tor, repeated) is no country.
 */
export function countryOfHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && /^[A-Za-z]{2}$/.test(value) ? value.toUpperCase() : undefined;
}

function requireKnownRegion(field: string, region: string, regions: readonly string[]): void {
  if (!regions.includes(region)) throw new ValidationError(field, `unknown region ${JSON.stringify(region)}; this deployment's regions are ${regions.join(', ')}`);
}

function requireCountryCode(field: string, code: string): void {
  if (isCountryCode(code)) return;
  const meant = MEANT[code] ?? (isCountryCode(code.toUpperCase()) ? code.toUpperCase() : undefined);
  throw new ValidationError(field, `${JSON.stringify(code)} is not an ISO 3166-1 alpha-2 country code in upper case${meant ? ` (did you mean ${meant}?)` : ''}`);
}
