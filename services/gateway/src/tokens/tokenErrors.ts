import { UnauthorizedError, UnavailableError } from '@contactcenter/infra';

/**
 * A bearer token refused: 401 problem JSON `unauthorized` whose detail says
 * why in words ("token has no expiry (exp)") and whose `field` names the
 * token part at fault (`exp`, `iss`, `kid`, `alg`, …) when there is one.
 */
export class TokenRejectedError extends UnauthorizedError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * A tenant's identity provider cannot be reached and no cached key verifies
 * the token: 503 problem JSON `unavailable` with `Retry-After`, not a 401, as
 * the token may well be good. plugins/problem.ts sets the header.
 */
export class IdentityProviderUnavailableError extends UnavailableError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
