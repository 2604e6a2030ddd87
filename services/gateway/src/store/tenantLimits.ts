import { IllegalStateError } from '@contactcenter/infra';

/**
 * How much of each kind of gateway state one tenant may hold, so that no
 * tenant can make another's listings or the shared bucket slow
 * (TENANT_MAX_* settings). Revoked keys do not count: rotating a key must
 * always be possible.
 */
export interface TenantLimits {
  /** Live (unrevoked) API keys. */
  apiKeys: number;
  /** Live (unrevoked) widget keys. */
  widgetKeys: number;
  webhooks: number;
  /** Rules in the tenant's invitation rule set. */
  invitationRules: number;
}

export const DEFAULT_TENANT_LIMITS: TenantLimits = { apiKeys: 100, widgetKeys: 50, webhooks: 25, invitationRules: 50 };

/** The setting and the words of each limit, for the refusal's detail. */
export const TENANT_LIMIT_NAMES: Record<keyof TenantLimits, { setting: string; what: string }> = {
  apiKeys: { setting: 'TENANT_MAX_API_KEYS', what: 'live API keys' },
  widgetKeys: { setting: 'TENANT_MAX_WIDGET_KEYS', what: 'live widget keys' },
  webhooks: { setting: 'TENANT_MAX_WEBHOOKS', what: 'webhooks' },
  invitationRules: { setting: 'TENANT_MAX_INVITATION_RULES', what: 'invitation rules' },
};

/**
 * A create that would take the tenant over one of its limits; nothing was
 * written. An illegal state (409, gRPC FAILED_PRECONDITION) whose problem
 * JSON carries the more precise code `tenant_limit_reached`.
 */
export class TenantLimitError extends IllegalStateError {
  readonly problemCode = 'tenant_limit_reached';
  readonly setting: string;

  constructor(
    readonly limit: keyof TenantLimits,
    readonly max: number,
  ) {
    const { setting, what } = TENANT_LIMIT_NAMES[limit];
    super(`tenant limit reached: at most ${max} ${what} per tenant (${setting})`);
    this.setting = setting;
  }
}
