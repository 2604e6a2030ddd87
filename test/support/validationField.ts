import { ValidationError } from '@contactcenter/infra/errors';

/** The field a ValidationError thrown by `fn` names; fails the test when `fn` throws anything else or nothing. */
export function validationFieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.field;
    throw err;
  }
  throw new Error('expected a ValidationError');
}
