import { ValidationError } from '@contactcenter/infra/errors';

/**
 * Checks an object key before it becomes a file path or a URL path: segments
 * separated by `/`, none empty, `.` or `..`, no backslash or control
 * character, so a key can never name something outside the store.
 */
export function checkedKeySegments(key: string): string[] {
  const segments = key.split('/');
  if (key.length === 0 || key.length > 1024) throw new ValidationError('key', 'must be 1 to 1024 characters');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') throw new ValidationError('key', `has an empty, "." or ".." segment: ${JSON.stringify(key)}`);
    if (/[\\\u0000-\u001f\u007f]/.test(segment)) throw new ValidationError('key', `has a backslash or control character: ${JSON.stringify(key)}`);
  }
  return segments;
}
