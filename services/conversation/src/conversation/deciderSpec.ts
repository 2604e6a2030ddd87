import type { Command, Decider, Event } from './decider';
import { ValidationError } from '@contactcenter/infra/errors';

// Test support (imported only by *.unit.test.ts): given/when/then specs of a decider.

type ErrorClass<T extends Error> = abstract new (...args: never[]) => T;

/**
 * @example
 *   const spec = DeciderSpecification.for(conversationDecider);
 *   spec.given([started]).when(resolve).then([resolved]);
 *   spec.given([]).when(resolve).thenThrows(NotFoundError, 'not found');
 */
export const DeciderSpecification = {
  for<State, C extends Command, E extends Event>(decider: Decider<State, C, E>) {
    return {
      given(events: readonly E[]) {
        return {
          when(command: C) {
            const run = (): E[] =>
              decider.decide(command, events.reduce<State>(decider.evolve, decider.initialState()));
            const thenThrows = <T extends Error>(
              errorClass: ErrorClass<T>,
              check?: string | RegExp | ((error: T) => void),
            ): void => {
              let result: E[] | undefined;
              try {
                result = run();
              } catch (error) {
                expect(error).toBeInstanceOf(errorClass);
                if (typeof check === 'string') expect((error as T).message).toContain(check);
                else if (check instanceof RegExp) expect((error as T).message).toMatch(check);
                else if (check) check(error as T);
                return;
              }
              throw new Error(`expected ${errorClass.name}, but decide returned ${JSON.stringify(result)}`);
            };
            return {
              then(expected: readonly E[]): void {
                expect(run()).toEqual(expected);
              },
              /** An idempotent retry or a no-op: nothing to append. */
              thenNothingHappens(): void {
                expect(run()).toEqual([]);
              },
              thenThrows,
              /** A ValidationError naming `field`. */
              thenRejectsField(field: string, reason?: string | RegExp): void {
                thenThrows(ValidationError, (error) => {
                  expect(error.field).toBe(field);
                  if (typeof reason === 'string') expect(error.message).toContain(reason);
                  else if (reason) expect(error.message).toMatch(reason);
                });
              },
            };
          },
        };
      },
    };
  },
};
