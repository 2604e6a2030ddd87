import { IllegalStateError } from '@contactcenter/infra';
import type { FastifyRequest } from 'fastify';
import { callerHeaders, problemCodeOf } from './forwardedHttp';
import { RegionUnavailableError } from './regionLink';
import type { RegionForwarder } from './residencyReplication';

/** The kinds of keys copied between regions, as they appear in the internal routes' paths. */
export type CopiedKeyKind = 'widget-keys' | 'api-keys';

/** Internal routes (routes/regionKeyCopies.ts) that take another region's copy: hidden from clients, served only to RegionLink's forwards. */
export const KEY_COPIES_PATH = '/internal/region-copies';

export const keyCopyUrl = (kind: CopiedKeyKind, id: string): string => `/v1${KEY_COPIES_PATH}/${kind}/${encodeURIComponent(id)}`;

/** One change to a key in one region: its whole record as it now is (PUT), or its removal (DELETE, undoing a create). */
export type KeyChange = { method: 'PUT'; record: object } | { method: 'DELETE' };

/** How to take a change back when some region did not take it. */
export interface KeyUndo {
  /** Undoes the change in this region. */
  here: () => Promise<void>;
  /** The change that undoes it in each region that took it. */
  elsewhere: KeyChange;
}

/**
 * Another region refused a key's copy for a reason of its own (e.g. the
 * tenant is at its limit of live keys there): 409 with that region's code
 * (`tenant_limit_reached`) and a `region` member; the change was undone.
 */
export class KeyCopyRefusedError extends IllegalStateError {
  constructor(
    readonly region: string,
    readonly problemCode: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** How one region took a change. */
type Outcome = { region: string; took: true } | { region: string; took: false; reason: string; code?: string; status?: number; cause?: unknown };

/**
 * Makes a tenant's widget keys and API keys the same in every region: after
 * a key is created, changed or revoked here, the change is sent to every
 * other region in parallel over RegionLink, to the internal copy routes, as
 * the admin's own request (their token, which each region verifies). When a
 * region does not take it, the change is undone here and in the regions
 * that took it, so that a key exists in every region or in none; a
 * revocation is never undone (a key an admin revoked must not come back),
 * and is idempotent instead: repeating it reaches the regions it missed.
 *
 * @example
 *   const copies = new KeyReplication(link, ['us']);
 *   const key = await widgetKeys.create('acme');
 *   await copies.apply(request, 'widget-keys', key.widgetKey, { method: 'PUT', record: key },
 *     { here: () => widgetKeys.discard('acme', key.widgetKey), elsewhere: { method: 'DELETE' } });
 *   // or throws RegionUnavailableError naming 'us', with the key gone from every region
 */
export class KeyReplication {
  constructor(
    private readonly link: RegionForwarder,
    private readonly others: readonly string[],
  ) {}

  /**
   * Applies `change` to the key in every other region. Without `undo` (a
   * revocation), a region that missed it is reported and nothing is undone.
   * @throws RegionUnavailableError naming the first region that could not be reached (or that failed),
   *   KeyCopyRefusedError when one refused it with a 409 (a tenant limit there), after undoing.
   */
  async apply(request: FastifyRequest, kind: CopiedKeyKind, id: string, change: KeyChange, undo?: KeyUndo): Promise<void> {
    const outcomes = await this.send(request, kind, id, change, this.others);
    const failures = outcomes.filter((o): o is Extract<Outcome, { took: false }> => !o.took);
    if (failures.length === 0) return;
    let undone = false;
    if (undo) {
      // Regions that answered with a refusal did not take it; the unreachable ones are sent the undo too (a timed-out copy may have
      // landed), but only those that took it must take the undo: a region that is down has nothing to undo as far as we know.
      const took = new Set(outcomes.filter((o) => o.took).map((o) => o.region));
      const toUndo = outcomes.filter((o) => o.took || o.status === undefined).map((o) => o.region);
      const [here, elsewhere] = await Promise.allSettled([undo.here(), this.send(request, kind, id, undo.elsewhere, toUndo)]);
      undone = here.status === 'fulfilled' && elsewhere.status === 'fulfilled' && elsewhere.value.every((o) => o.took || !took.has(o.region));
      if (here.status === 'rejected') request.log.error({ err: here.reason, kind, id }, 'undoing a key change that did not reach every region failed here');
    }
    const [first, ...more] = failures;
    const what = !undo
      ? 'done in this region and the regions reached; repeat the request (it is idempotent) to reach the others'
      : undone
        ? 'nothing was changed in any region'
        : 'undoing it failed in some region, which may keep the change';
    const also = more.length > 0 ? `; ${more.map((f) => `${f.region}: ${f.reason}`).join(', ')}` : '';
    if (first!.status === 409 && first!.code !== undefined) {
      throw new KeyCopyRefusedError(first!.region, first!.code, `region "${first!.region}" refused the ${kindName(kind)}: ${first!.reason}${also}; ${what}`);
    }
    throw new RegionUnavailableError(first!.region, `${first!.reason}${also}; ${what}`, { cause: first!.cause });
  }

  private async send(request: FastifyRequest, kind: CopiedKeyKind, id: string, change: KeyChange, regions: readonly string[]): Promise<Outcome[]> {
    const headers = callerHeaders(request);
    if (change.method === 'PUT') headers['content-type'] = 'application/json';
    const body = change.method === 'PUT' ? Buffer.from(JSON.stringify(change.record)) : Buffer.alloc(0);
    const url = keyCopyUrl(kind, id);
    return Promise.all(
      regions.map(async (region): Promise<Outcome> => {
        try {
          const res = await this.link.forward(region, { method: change.method, url, headers, body, clientAddress: request.ip });
          if (res.status >= 200 && res.status < 300) return { region, took: true };
          const code = problemCodeOf(res.body);
          return { region, took: false, status: res.status, code, reason: `it answered ${res.status}${code ? ` (${code})` : ''}` };
        } catch (err) {
          return { region, took: false, reason: err instanceof RegionUnavailableError || !(err instanceof Error) ? 'unreachable' : err.message, cause: err };
        }
      }),
    );
  }
}

const kindName = (kind: CopiedKeyKind) => (kind === 'widget-keys' ? 'widget key' : 'API key');
