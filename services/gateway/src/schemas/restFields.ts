import { ValidationError } from '@contactcenter/infra';

/**
 * A peer's validation error naming the field as the REST caller wrote it
 * (`asOf`, `customerId`, `appSecret`) instead of as the peer's contract does
 * (`as_of`, `linked_customer_id`, `endpoint.app_secret`); `rename` answers
 * undefined for a field to leave as it is. Other errors pass unchanged.
 *
 * @example
 *   throw inRestTerms(err, (field) => (field === 'linked_customer_id' ? 'customerId' : undefined));
 */
export function inRestTerms(err: unknown, rename: (field: string) => string | undefined): unknown {
  if (!(err instanceof ValidationError)) return err;
  const field = rename(err.field);
  if (field === undefined) return err;
  const reason = err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
  return new ValidationError(field, reason, { cause: err });
}
