import type { Metadata } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors';

/** Metadata keys every call carries. */
export const TENANT_KEY = 'x-tenant-id';
export const ACTOR_KEY = 'x-actor-id';
export const REQUEST_ID_KEY = 'x-request-id';
export const TRACEPARENT_KEY = 'traceparent';

const TENANT_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** `tenantId` when it is a valid tenant id (also safe as a NATS subject or KV key token). @throws ValidationError naming tenant_id. */
export function requireTenantId(tenantId: string): string {
  if (!TENANT_RE.test(tenantId)) throw new ValidationError('tenant_id', 'must be 1-63 lower-case letters, digits, "-" or "_"');
  return tenantId;
}

/** What a handler knows about the call beyond its request message. */
export interface CallContext {
  tenantId: string;
  actorId: string;
  requestId: string;
  traceparent?: string;
  /** Aborted when the caller cancels or the deadline passes. */
  signal: AbortSignal;
}

const first = (md: Metadata, key: string): string | undefined => {
  const v = md.get(key)[0];
  return v === undefined ? undefined : String(v);
};

export function readCallContext(md: Metadata, signal: AbortSignal, requireTenant: boolean): CallContext {
  const tenantId = first(md, TENANT_KEY) ?? '';
  if (requireTenant) {
    if (!tenantId) throw new ValidationError('tenant_id', `missing ${TENANT_KEY} metadata`);
    requireTenantId(tenantId);
  }
  return {
    tenantId,
    actorId: first(md, ACTOR_KEY) ?? '',
    requestId: first(md, REQUEST_ID_KEY) ?? randomUUID(),
    traceparent: first(md, TRACEPARENT_KEY),
    signal,
  };
}
