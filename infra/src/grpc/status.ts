import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ConcurrencyError,
  DomainError,
  ForbiddenError,
  IllegalStateError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  type ErrorCode,
} from '../errors';

const codeToStatus: Record<ErrorCode, status> = {
  validation: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  illegal_state: status.FAILED_PRECONDITION,
  concurrency: status.ABORTED,
  unauthorized: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  unavailable: status.UNAVAILABLE,
};

/** Server edge: a thrown error → a gRPC error. Unknown errors become INTERNAL with no detail. */
export function toServiceError(err: unknown): Partial<ServiceError> & { code: status; details: string } {
  if (err instanceof DomainError) {
    const metadata = new Metadata();
    metadata.set('x-error-code', err.code);
    if (err instanceof ValidationError) metadata.set('x-error-field', err.field);
    return { code: codeToStatus[err.code], details: err.message, metadata };
  }
  return { code: status.INTERNAL, details: 'internal error' };
}

/** Client edge: a gRPC error → the domain error it stands for. */
export function fromServiceError(err: ServiceError): Error {
  const details = err.details || err.message;
  const opts = { cause: err };
  switch (err.code) {
    case status.INVALID_ARGUMENT: {
      const field = String(err.metadata?.get('x-error-field')[0] ?? '');
      const reason = field && details.startsWith(`${field}: `) ? details.slice(field.length + 2) : details;
      return new ValidationError(field || 'request', reason, opts);
    }
    case status.NOT_FOUND:
      return Object.assign(new NotFoundError('resource', '', opts), { message: details });
    case status.FAILED_PRECONDITION:
      return new IllegalStateError(details, opts);
    case status.ABORTED:
      return Object.assign(new ConcurrencyError('', '', '', opts), { message: details });
    case status.UNAUTHENTICATED:
      return new UnauthorizedError(details, opts);
    case status.PERMISSION_DENIED:
      return new ForbiddenError(details, opts);
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.CANCELLED:
      return new UnavailableError(details, opts);
    default:
      return err;
  }
}
