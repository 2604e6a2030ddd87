/**
 * An attack is one request by one attacker with the answer it must get; the
 * builders make the usual sets of attackers, one call per kind, so that a
 * route's row in the table stays one line.
 */
import type { Credential } from '../../support/gatewayClient';
import type { World } from './world';

export type Expectation =
  /** 403 or 404, as problem JSON. */
  | 'denied'
  /** 401 problem JSON: the credential is of the wrong kind for the route (a JWT where an API key is required). */
  | 'unauthenticated'
  /** Answered within the caller's own tenant (2xx or 4xx, never 5xx): nothing of A's in the body, nothing of A's changed. */
  | 'own-scope'
  /** The caller's own tenant has nothing there: 400 naming one of these fields (a what-if over a window of no traffic of B's). */
  | { nothingOwn: readonly string[] };

export interface Attack {
  who: string;
  method: string;
  path: string;
  /** Undefined: no credential at all (a public route). */
  credential: Credential | undefined;
  body?: unknown;
  expect: Expectation;
  /** Secrets this attacker legitimately knows, beyond what `World.known` grants its credential. */
  knows?: string[];
}

export type Req = { method: string; path: string; body?: unknown };
export const req = (method: string, path: string, body?: unknown): Req => ({ method, path, body });

/** Tenant B's staff (admin, agent, supervisor) at A's resource. */
export const asOtherTenant = (w: World, r: Req, expect: Expectation = 'denied', roles: ('admin' | 'agent' | 'supervisor')[] = ['admin', 'agent']): Attack[] =>
  roles.map((role) => ({ who: `tenant B ${role}`, ...r, credential: w.b[role], expect }));

/** Visitors on a staff route: V1 (owner of the target) and V2. */
export const asVisitor = (w: World, r: Req): Attack[] => [
  { who: 'visitor V1 on a staff route', ...r, credential: w.a.v1.token, expect: 'denied' },
  { who: 'visitor V2 on a staff route', ...r, credential: w.a.v2.token, expect: 'denied' },
];

/** A's own agent and supervisor on an admin route. */
export const asWrongRole = (w: World, r: Req): Attack[] => [
  { who: 'tenant A agent on an admin route', ...r, credential: w.a.agent, expect: 'denied' },
  { who: 'tenant A supervisor on an admin route', ...r, credential: w.a.supervisor, expect: 'denied' },
];

/** A's staff on a visitor route: a staff token is no visitor session. */
export const asStaffOnVisitorRoute = (w: World, r: Req): Attack[] => [
  { who: 'tenant A agent on a visitor route', ...r, credential: w.a.agent, expect: 'denied' },
  { who: 'tenant A admin on a visitor route', ...r, credential: w.a.admin, expect: 'denied' },
];

/** Other visitors at V1's conversation: V2 (same tenant), B's visitor, and B's visitor claiming V1's customer id. */
export const asOtherVisitor = (w: World, r: Req): Attack[] => [
  { who: 'visitor V2 at V1\'s resource', ...r, credential: w.a.v2.token, expect: 'denied' },
  { who: 'tenant B visitor at V1\'s resource', ...r, credential: w.b.visitor.token, expect: 'denied' },
  { who: 'tenant B visitor with V1\'s customer id', ...r, credential: w.b.sameCustomer.token, expect: 'denied' },
];

/** Admin routes on the admin's own tenant: B's admin works on B only; everyone else is refused. */
export const adminOwnTenant = (w: World, r: Req): Attack[] => [...asOtherTenant(w, r, 'own-scope', ['admin']), ...asWrongRole(w, r), ...asVisitor(w, r)];

/** Supervisors' and admins' reads of their own tenant: B's see B only; A's agent and visitors are refused. */
export const supervisorOwnTenant = (w: World, r: Req): Attack[] => [
  ...asOtherTenant(w, r, 'own-scope', ['admin', 'supervisor']),
  { who: 'tenant A agent on a supervisor route', ...r, credential: w.a.agent, expect: 'denied' },
  ...asVisitor(w, r),
];

/** Staff routes on the caller's own tenant (lists, "me"): B's staff see B only; visitors are refused. */
export const staffOwnTenant = (w: World, r: Req): Attack[] => [...asOtherTenant(w, r, 'own-scope', ['agent', 'supervisor']), ...asVisitor(w, r)];

/** Staff routes on one of A's conversations. */
export const staffOnConversation = (w: World, r: (id: string) => Req): Attack[] => [
  ...asOtherTenant(w, r(w.a.c1), 'denied', ['admin', 'agent', 'supervisor']),
  ...asOtherTenant(w, r(w.a.c2), 'denied', ['agent']),
  ...asVisitor(w, r(w.a.c1)),
];

/** Webhook routes: B's key and B's admin at A's webhook; A's agent; A's key without `webhooks:manage`; a visitor. */
export const webhookAttacks = (w: World, r: Req, expectFromB: Expectation = 'denied'): Attack[] => [
  { who: 'tenant B API key', ...r, credential: w.b.key, expect: expectFromB },
  { who: 'tenant B admin', ...r, credential: w.b.admin, expect: expectFromB },
  { who: 'tenant A agent', ...r, credential: w.a.agent, expect: 'denied' },
  { who: 'tenant A API key without webhooks:manage', ...r, credential: w.a.eventsKey, expect: 'denied' },
  { who: 'visitor V1', ...r, credential: w.a.v1.token, expect: 'denied' },
];
