import { ValidationError } from './errors';

/**
 * Regions of a deployment: names, the settings every service reads (REGION,
 * REGIONS), the home region carried in conversation ids, and the subjects of
 * cross-region requests. Pure: no NATS, no clock.
 *
 * @example
 *   const settings = parseRegionSettings('eu', 'eu,us'); // { region: 'eu', regions: ['eu', 'us'] }
 *   homeRegionOf('us_3f0c…', settings.regions);         // 'us'
 *   regionSubject('us', 'gateway');                     // 'region.us.gateway'
 */

/**
 * Lowercase letters, digits and `-`, starting with a letter, at most 32
 * characters. Never `_`: it ends the region prefix of a conversation id. Never
 * `.`, `*` or `>`: a name is one token of a NATS subject.
 */
export const REGION_NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** This process's region and every region of the deployment (this one included). */
export interface RegionSettings {
  readonly region: string;
  readonly regions: readonly string[];
}

export const isRegionName = (name: string): boolean => REGION_NAME_PATTERN.test(name);

/** @throws ValidationError naming `field` when `name` is not a region name. */
export function requireRegionName(field: string, name: string): string {
  if (!isRegionName(name)) {
    throw new ValidationError(field, `must be a region name (lowercase letters, digits and "-", starting with a letter, at most 32 characters), got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * A comma-separated list of region names, each once.
 * @throws ValidationError naming `field` for a bad or repeated name.
 */
export function parseRegionList(raw: string, field = 'REGIONS'): string[] {
  const names = raw.split(',').map((part) => part.trim());
  const seen = new Set<string>();
  for (const name of names) {
    requireRegionName(field, name);
    if (seen.has(name)) throw new ValidationError(field, `names the region ${JSON.stringify(name)} twice`);
    seen.add(name);
  }
  return names;
}

/**
 * REGION and REGIONS as the environment gives them: REGIONS unset or blank is
 * just REGION; otherwise it must name REGION among the others. `variables`
 * are the names errors give (the settings' names by default).
 * @throws ValidationError naming the variable at fault.
 */
export function parseRegionSettings(region: string, regions?: string, variables = { region: 'REGION', regions: 'REGIONS' }): RegionSettings {
  requireRegionName(variables.region, region);
  if (regions === undefined || regions.trim() === '') return { region, regions: [region] };
  const list = parseRegionList(regions, variables.regions);
  if (!list.includes(region)) throw new ValidationError(variables.regions, `must include this process's own region ${JSON.stringify(region)} (${variables.region})`);
  return { region, regions: list };
}

/** More than one region: conversation ids carry their home region and requests may be forwarded. */
export const isMultiRegion = (settings: RegionSettings): boolean => settings.regions.length > 1;

/**
 * The region a conversation lives in: its id's prefix before the first `_`
 * when that is one of `regions`; undefined otherwise (an id from before
 * regions, or a client's own id: served where it is asked).
 */
export function homeRegionOf(conversationId: string, regions: readonly string[]): string | undefined {
  const end = conversationId.indexOf('_');
  if (end <= 0) return undefined;
  const prefix = conversationId.slice(0, end);
  return regions.includes(prefix) ? prefix : undefined;
}

/** The id of a conversation homed in `region`: `<region>_<id>`. */
export function regionConversationId(region: string, id: string): string {
  return `${requireRegionName('region', region)}_${id}`;
}

const SERVICE_TOKEN = /^[a-z][a-z0-9-]*$/;

/**
 * The subject a region's `service` answers cross-region requests on. Outside
 * `cc.>` on purpose: a region's event stream captures `cc.>`, and a request
 * there would be answered by the stream's PubAck.
 */
export function regionSubject(region: string, service: string): string {
  requireRegionName('region', region);
  if (!SERVICE_TOKEN.test(service)) throw new ValidationError('service', `must be lowercase letters, digits and "-", got ${JSON.stringify(service)}`);
  return `region.${region}.${service}`;
}

/**
 * Where another region's events arrive in this region's NATS account: each
 * region account exports its events (`cc.>`) as a stream, and every other
 * region account imports it under `region-events.<home>.`, so
 * `cc.acme.conversation.MessagePosted.eu_1` published in eu is the core NATS
 * message `region-events.eu.cc.acme.conversation.MessagePosted.eu_1` in us.
 * Outside `cc.>` on purpose: no stream of the importing region stores it.
 * And outside `region.<home>.>` on purpose: with the stream import's subjects
 * under the service import `region.<home>.>` of the same account, nats-server
 * 2.9.10 sent each event back to its home account, whose events stream then
 * stored it twice (measured on a super-cluster, test/integration/natsSuperCluster.test.ts).
 *
 * @example
 *   regionEventsPrefix('eu') // 'region-events.eu.'
 */
export function regionEventsPrefix(home: string): string {
  return `region-events.${requireRegionName('region', home)}.`;
}
