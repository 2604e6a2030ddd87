import type { FastifyRequest } from 'fastify';
import type { RegionOutcome } from './crossRegionView';
import { callerHeaders, problemCodeOf } from './forwardedHttp';
import { forwardedFrom } from './regionForwarding';
import type { RegionLink } from './regionLink';

/** This gateway's region, the others of the deployment, and the link to them (absent in single-region mode). */
export interface RegionFanOut {
  region: string;
  others: readonly string[];
  link?: Pick<RegionLink, 'forward'>;
}

/**
 * Supervisor views ask each region for its own figures only: `scope=region`.
 * A request that came from another region answers for this region whatever
 * it asks, so a fan-out never fans out again.
 */
export const wantsAllRegions = (request: FastifyRequest, scope: string | undefined): boolean =>
  scope === 'all-regions' && forwardedFrom(request) === undefined;

/** Headers a forwarded supervisor read carries besides the request id: who asks, in which language. */
const KEPT_HEADERS = ['authorization', 'accept-language'];

/**
 * The answer of this region (`local`) and of every other region to the same
 * GET, in parallel: the others get `url` (the caller marks it `scope=region`)
 * over the region link, each bounded by the link's own timeout. A region that
 * is unreachable or answers anything but 200 is `unavailable` with the
 * reason; this region's own failure fails the request, as in single-region
 * mode. With no link (single-region mode), just this region.
 *
 * @example
 *   const outcomes = await askEveryRegion(fanOut, request, '/v1/metrics?…&scope=region', () => localMetrics(), (json) => json as MetricsView);
 */
export async function askEveryRegion<T>(
  fanOut: RegionFanOut,
  request: FastifyRequest,
  url: string,
  local: () => Promise<T>,
  /** The region's own figures out of another region's answer (JSON of that region's `scope=region` view). */
  fromRemote: (answer: unknown) => T,
): Promise<RegionOutcome<T>[]> {
  const headers = callerHeaders(request, KEPT_HEADERS);
  const link = fanOut.link;
  const others = link ? fanOut.others : [];
  const remote = others.map(async (region): Promise<RegionOutcome<T>> => {
    try {
      const res = await link!.forward(region, { method: 'GET', url, headers, body: Buffer.alloc(0), clientAddress: request.ip });
      if (res.status !== 200) {
        const code = problemCodeOf(res.body);
        return { region, status: 'unavailable', reason: `answered ${res.status}${code ? ` (${code})` : ''}` };
      }
      return { region, status: 'ok', answer: fromRemote(JSON.parse(res.body.toString('utf8'))) };
    } catch (err) {
      return { region, status: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
    }
  });
  const [mine, ...theirs] = await Promise.all([local().then((answer): RegionOutcome<T> => ({ region: fanOut.region, status: 'ok', answer })), ...remote]);
  return [mine!, ...theirs];
}

/** `request.url` with its query changed: the same path and filters, as the other regions should answer it. */
export function withQuery(url: string, changes: Record<string, string>): string {
  const parsed = new URL(url, 'http://gateway.invalid');
  for (const [k, v] of Object.entries(changes)) parsed.searchParams.set(k, v);
  return `${parsed.pathname}${parsed.search}`;
}
