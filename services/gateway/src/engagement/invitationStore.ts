import { requireTenantId } from '@contactcenter/infra';
import { isLostRace, jsonOf } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import { DEFAULT_TENANT_LIMITS, TenantLimitError } from '../store/tenantLimits';
import type { InvitationRule } from './invitationRules';

/** An invitation shown to one visitor; accepted at most once, by that visitor. */
export interface Invitation {
  invitationId: string;
  customerId: string;
  ruleId: string;
  queueId: string;
  message: string;
  sentAt: string;
  conversationId: string;
}

/**
 * Tenants' invitation rules and the invitations made, in the gateway's NATS
 * KV bucket: `<tenant>.invitation-rules`, `<tenant>.invitation.<id>`, and
 * `<tenant>.invited.<customer>.<rule>` (created once: a visitor is invited by
 * a rule at most once, whichever gateway replica sees the activity).
 */
export class InvitationStore {
  /**
   * On the gateway's bucket (see openStateBucket), shared with the other gateway stores.
   * @param maxRules rules a tenant may have (TENANT_MAX_INVITATION_RULES).
   */
  constructor(
    private readonly kv: KV,
    private readonly maxRules = DEFAULT_TENANT_LIMITS.invitationRules,
  ) {}

  async rules(tenantId: string): Promise<InvitationRule[]> {
    return jsonOf<InvitationRule[]>(await this.kv.get(`${requireTenantId(tenantId)}.invitation-rules`))?.value ?? [];
  }

  /**
   * Replaces the tenant's rules. One value holds them all, so each write is
   * checked whole and no concurrent write can take a tenant over its limit.
   * @throws TenantLimitError over `maxRules`; nothing is written.
   */
  async putRules(tenantId: string, rules: InvitationRule[]): Promise<void> {
    if (rules.length > this.maxRules) throw new TenantLimitError('invitationRules', this.maxRules);
    await this.kv.put(`${requireTenantId(tenantId)}.invitation-rules`, JSON.stringify(rules));
  }

  /** Records the invitation unless this rule already invited this visitor; false then. */
  async invite(tenantId: string, invitation: Invitation): Promise<boolean> {
    const once = `${requireTenantId(tenantId)}.invited.${keyPart(invitation.customerId)}.${invitation.ruleId}`;
    try {
      await this.kv.create(once, invitation.invitationId);
    } catch (err) {
      if (isLostRace(err)) return false;
      throw err;
    }
    await this.kv.put(`${tenantId}.invitation.${invitation.invitationId}`, JSON.stringify(invitation));
    return true;
  }

  async get(tenantId: string, invitationId: string): Promise<{ invitation: Invitation; revision: number } | undefined> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(invitationId)) return undefined;
    const found = jsonOf<Invitation>(await this.kv.get(`${requireTenantId(tenantId)}.invitation.${invitationId}`));
    return found && { invitation: found.value, revision: found.revision };
  }

  /** Marks it accepted if nobody did in between; false when it was. */
  async accept(tenantId: string, invitation: Invitation, revision: number): Promise<boolean> {
    try {
      await this.kv.update(`${tenantId}.invitation.${invitation.invitationId}`, JSON.stringify(invitation), revision);
      return true;
    } catch (err) {
      if (isLostRace(err)) return false;
      throw err;
    }
  }
}

/** Customer ids may hold characters KV keys may not ("." separates tokens): hex keeps them apart. */
const keyPart = (s: string) => Buffer.from(s).toString('hex').slice(0, 200);
