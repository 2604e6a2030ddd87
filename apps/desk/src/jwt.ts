/** Who is signed in, as the staff token says (read, not verified: the gateway verifies it on every call). */
export interface Staff {
  /** The agent id (`sub`). */
  id: string;
  /** The tenant (`tid`). */
  tenantId: string;
  roles: string[];
  /** A display name when the identity provider puts one in the token. */
  name: string | undefined;
  /** When the token expires (ms since the epoch), if it says. */
  expiresAt: number | undefined;
}

/**
 * The payload of a JWT, decoded without verification; undefined for anything
 * that is not a three-part token with a JSON payload naming `sub` and `tid`.
 *
 * @example
 *   staffOf('eyJhbGciOi….eyJzdWIiOiJ0b20iLCJ0aWQiOiJhY21lIiwicm9sZXMiOlsiYWdlbnQiXX0.sig')?.id; // 'tom'
 */
export function staffOf(token: string): Staff | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  let payload: Record<string, unknown>;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    payload = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string') return undefined;
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
  return {
    id: payload.sub,
    tenantId: payload.tid,
    roles,
    name: typeof payload.name === 'string' ? payload.name : undefined,
    expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
  };
}

/** Supervisors and admins see queues, agents, metrics and full histories. */
export const isSupervisor = (staff: Staff): boolean => staff.roles.includes('supervisor') || staff.roles.includes('admin');
