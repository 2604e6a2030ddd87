import { ValidationError } from '@contactcenter/infra/errors';

/** The field a ValidationError names when `fn` throws one; undefined when `fn` succeeds; rethrows anything else. */
export function validationFieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.field;
    throw err;
  }
  return undefined;
}
