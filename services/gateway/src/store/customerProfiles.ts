import { requireTenantId, ValidationError } from '@contactcenter/infra';
import { jsonOf } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';

/**
 * What a tenant knows about one of its customers beyond the id, for filling
 * in canned responses (`{{customer.name}}`). Given by the visitor when the
 * widget opens a session: `identityVerified` says whether the tenant's server
 * vouched for the customer id; the name and email are the visitor's own word
 * either way (the identity hash covers the id only), so they are shown back
 * to that customer, never used to decide anything.
 */
export interface CustomerProfile {
  customerId: string;
  name?: string;
  email?: string;
  source: 'visitor';
  identityVerified: boolean;
  updatedAt: string;
}

/**
 * Customer profiles in the gateway's NATS KV bucket, shared by every
 * replica: `<tenant>.customer.<base64url of the customer id>` (customer ids
 * may hold `.`, `:` and `@`, which KV keys may not).
 *
 * @example
 *   await profiles.update('acme', 'cust-1', { name: 'Ken Abe' }, { identityVerified: true });
 *   (await profiles.get('acme', 'cust-1'))?.name; // 'Ken Abe'
 */
export class CustomerProfiles {
  /** On the gateway's bucket (see openStateBucket), shared with the other gateway stores. */
  constructor(private readonly kv: KV) {}

  async get(tenantId: string, customerId: string): Promise<CustomerProfile | undefined> {
    return jsonOf<CustomerProfile>(await this.kv.get(keyOf(tenantId, customerId)))?.value;
  }

  /** Sets the given fields, keeping the others: a later session without a name does not forget it. */
  async update(tenantId: string, customerId: string, fields: { name?: string; email?: string }, opts: { identityVerified: boolean }): Promise<CustomerProfile> {
    const known = await this.get(tenantId, customerId);
    const profile: CustomerProfile = {
      ...known,
      ...(fields.name !== undefined ? { name: fields.name } : {}),
      ...(fields.email !== undefined ? { email: fields.email } : {}),
      customerId,
      source: 'visitor',
      identityVerified: opts.identityVerified,
      updatedAt: new Date().toISOString(),
    };
    await this.kv.put(keyOf(tenantId, customerId), JSON.stringify(profile));
    return profile;
  }
}

// Letters of any script with spaces, apostrophes, periods and hyphens: a name, not a link or markup,
// since it ends up inside an agent's message.
const NAME_RE = /^[\p{L}\p{M}][\p{L}\p{M}\p{Zs}'’.-]{0,99}$/u;
const EMAIL_RE = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,63}$/;

/**
 * The profile fields a visitor gave, trimmed; undefined for fields not given.
 * @throws ValidationError naming `name` or `email`.
 */
export function profileFields(given: { name?: string; email?: string }): { name?: string; email?: string } {
  const name = given.name?.normalize('NFC').replace(/\s+/gu, ' ').trim();
  const email = given.email?.trim();
  if (name !== undefined && !NAME_RE.test(name)) throw new ValidationError('name', 'must be 1-100 letters, spaces, apostrophes, periods or hyphens');
  if (email !== undefined && (email.length > 254 || !EMAIL_RE.test(email))) throw new ValidationError('email', 'must be an email address');
  return { ...(name !== undefined ? { name } : {}), ...(email !== undefined ? { email } : {}) };
}

const keyOf = (tenantId: string, customerId: string) => `${requireTenantId(tenantId)}.customer.${Buffer.from(customerId, 'utf8').toString('base64url')}`;
