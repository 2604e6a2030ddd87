import type { FastifyRequest } from 'fastify';
import { callerHeaders, problemCodeOf } from './forwardedHttp';
import { RegionUnavailableError, type RegionLink } from './regionLink';
import type { ResidencySettings } from './residencyRules';

/** What replication and placement need of the region link: one request to another region's gateway and its answer. */
export type RegionForwarder = Pick<RegionLink, 'forward'>;

/**
 * Copies a stored PUT of residency settings to every region in `others`, in
 * parallel, as the admin's own request (their token: the receiving region
 * authenticates and validates it as usual), which the link marks
 * `x-cc-forwarded-from` so that the receiver stores it without copying it on.
 * A region that is unreachable or answers anything but 200 is a failure:
 * RegionUnavailableError (503 `region_unavailable`) naming the first such
 * region, its detail naming all of them. The PUT is idempotent, so repeating
 * it makes every region converge.
 *
 * @example
 *   const replicate = residencyReplicator(link, ['us', 'ap']);
 *   await replicate(settings, request); // or throws RegionUnavailableError naming 'us'
 */
export function residencyReplicator(link: RegionForwarder, others: readonly string[]) {
  return async (settings: ResidencySettings, request: FastifyRequest): Promise<void> => {
    const headers = { ...callerHeaders(request), 'content-type': 'application/json' };
    const body = Buffer.from(JSON.stringify(settings));
    const url = request.url.split('?')[0]!;
    const outcomes = await Promise.all(
      others.map(async (region) => {
        try {
          const res = await link.forward(region, { method: 'PUT', url, headers, body, clientAddress: request.ip });
          if (res.status === 200) return undefined;
          const code = problemCodeOf(res.body);
          return { region, reason: `it answered ${res.status}${code ? ` (${code})` : ''}`, cause: undefined };
        } catch (err) {
          return { region, reason: err instanceof RegionUnavailableError || !(err instanceof Error) ? 'unreachable' : err.message, cause: err };
        }
      }),
    );
    const failures = outcomes.filter((o) => o !== undefined);
    if (failures.length === 0) return;
    const [first, ...more] = failures;
    const also = more.length > 0 ? `; not copied either to ${more.map((f) => `${f.region} (${f.reason})`).join(', ')}` : '';
    throw new RegionUnavailableError(first!.region, `${first!.reason}: the residency settings are stored in this region but not copied there${also}; repeat the PUT (it is idempotent)`, { cause: first!.cause });
  };
}
