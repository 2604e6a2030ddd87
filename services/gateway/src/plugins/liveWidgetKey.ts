import { UnauthorizedError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Revocations } from '../store/revocations';
import type { WidgetKeys } from '../store/widgetKeys';
import type { Principal } from './auth';

/** Whether a visitor session's widget key (its `wk` claim) is still live for its tenant. */
export type WidgetKeyLiveness = (tenantId: string, widgetKey: string) => Promise<boolean>;

declare module 'fastify' {
  interface FastifyInstance {
    widgetKeyLiveness: WidgetKeyLiveness;
  }
}

/**
 * Makes `requireLiveWidgetKey` work in every route. Call it on the root
 * instance, like `authPlugin`. A key the revocations watch has seen revoked
 * is refused at once; otherwise the key is read from KV, so a revocation on
 * any replica refuses the next request even before the watch delivers it.
 */
export function liveWidgetKeyPlugin(app: FastifyInstance, deps: { widgetKeys: WidgetKeys; revocations: Revocations }): void {
  app.decorate<WidgetKeyLiveness>('widgetKeyLiveness', async (tenantId, widgetKey) => {
    if (deps.revocations.isWidgetKeyRevoked(widgetKey)) return false;
    const key = await deps.widgetKeys.get(widgetKey);
    return !!key && !key.revoked && key.tenantId === tenantId;
  });
}

/** One answer per request: the pre-validation check and the route's requireVisitor share it. */
const checked = new WeakMap<FastifyRequest, Promise<boolean>>();

/**
 * The visitor `principal`, once its session's widget key is known to be
 * live: a revoked key ends its sessions' access on the next request, with or
 * without an Origin header (CORS checks the key only for browsers).
 * Sessions without `wk` (issued before sessions named their key) cannot be
 * checked; they expire within the session lifetime (12 h).
 *
 * @throws UnauthorizedError (401 "widget key revoked") when the key is revoked, gone, or another tenant's.
 * @example
 *   const p = await requireLiveWidgetKey(request, principal);
 */
export async function requireLiveWidgetKey(request: FastifyRequest, principal: Principal): Promise<Principal> {
  if (principal.widgetKey === undefined || !principal.roles.includes('visitor')) return principal;
  if (!request.server.hasDecorator('widgetKeyLiveness')) throw new Error('liveWidgetKeyPlugin was not registered on the app');
  let live = checked.get(request);
  if (!live) checked.set(request, (live = request.server.widgetKeyLiveness(principal.tenantId, principal.widgetKey)));
  if (!(await live)) throw new UnauthorizedError('widget key revoked');
  return principal;
}
