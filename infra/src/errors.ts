/**
 * One error hierarchy for the whole backend. Domain code throws these; each
 * edge maps them once: gRPC status codes in `grpc/status.ts`, RFC 7807
 * problem JSON in the gateway. Every class has a stable `code` and `name`.
 *
 * @example
 *   throw new ValidationError('text', 'must be at most 16384 bytes');
 *   // → gRPC INVALID_ARGUMENT "text: must be at most 16384 bytes"
 */
export type ErrorCode =
  | 'validation'
  | 'not_found'
  | 'illegal_state'
  | 'concurrency'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable';

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input: names the field at fault. */
export class ValidationError extends DomainError {
  readonly code = 'validation' as const;
  constructor(
    readonly field: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${reason}`, options);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found' as const;
  constructor(
    readonly entity: string,
    readonly id: string,
    options?: { cause?: unknown },
  ) {
    super(`${entity} ${JSON.stringify(id)} not found`, options);
  }
}

/** A rule of the domain says no (e.g. a second assignee). */
export class IllegalStateError extends DomainError {
  readonly code = 'illegal_state' as const;
}

/** A concurrent change won; the caller may reload and retry. */
export class ConcurrencyError extends DomainError {
  readonly code = 'concurrency' as const;
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: string,
    options?: { cause?: unknown },
  ) {
    super(`stream ${streamId}: expected revision ${expected}, found ${actual}`, options);
  }
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized' as const;
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden' as const;
}

/** A dependency (database, broker, peer service) cannot be reached. */
export class UnavailableError extends DomainError {
  readonly code = 'unavailable' as const;
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
