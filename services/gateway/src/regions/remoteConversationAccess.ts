import { UnavailableError } from '@contactcenter/infra';
import { homeRegionOf, type RegionSettings } from '@contactcenter/infra/regions';
import type { RealtimeDirectory } from '../realtime/realtimeDirectory';
import type { RegionLink } from './regionLink';

/** Who opens the socket, as the home region must see them: their own token, and whether they are staff or a visitor. */
export interface RemoteAsker {
  kind: 'staff' | 'visitor';
  /** The bearer token the socket presented (header or subprotocol). */
  token: string | undefined;
  requestId: string;
  clientAddress: string;
}

/**
 * The socket's directory in multi-region mode: whether a conversation homed
 * in another region may be followed is asked of that region, with the
 * socket's own token, as the REST API would answer it there (forwarded): a
 * staff member's `GET /v1/conversations/<id>`, a visitor's
 * `GET /v1/visitor/conversations/<id>` (theirs only: anyone else's is 404
 * there). Everything else is asked of this region as before.
 * @throws (from conversationExists) RegionUnavailableError when that region does not answer, UnavailableError on any answer but 200 and 404.
 */
export function directoryAcrossRegions(
  base: RealtimeDirectory,
  o: { regions: RegionSettings; link: Pick<RegionLink, 'forward'>; asker: RemoteAsker },
): RealtimeDirectory {
  const { regions, link, asker } = o;
  return {
    ...base,
    async conversationExists(call, conversationId) {
      const home = homeRegionOf(conversationId, regions.regions);
      if (home === undefined || home === regions.region) return base.conversationExists(call, conversationId);
      const path = asker.kind === 'staff' ? `/v1/conversations/${conversationId}` : `/v1/visitor/conversations/${conversationId}`;
      const headers: Record<string, string> = { 'x-request-id': asker.requestId };
      if (asker.token) headers.authorization = `Bearer ${asker.token}`;
      const res = await link.forward(home, { method: 'GET', url: path, headers, body: Buffer.alloc(0), clientAddress: asker.clientAddress });
      if (res.status === 200) return true;
      if (res.status === 404) return false;
      throw new UnavailableError(`region "${home}" answered ${res.status} about conversation ${JSON.stringify(conversationId)}`);
    },
  };
}
