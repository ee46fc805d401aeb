import { AppError, Decider, DomainEvent, fold } from '@clientele/platform/core';

/**
 * Given/when/then specifications on events, for pure deciders:
 *
 *   spec.given([ClientAdded]).when(changeType('offline')).then([ClientTypeChanged]);
 *   spec.given([]).when(changeType('offline')).thenThrows('not_found');
 */
export function deciderSpec<Command, State, Event extends DomainEvent>(decider: Decider<Command, State, Event>) {
  return {
    given(history: readonly Event[]) {
      return {
        when(command: Command) {
          const run = () => decider.decide(command, fold(decider, history));
          return {
            then(expected: readonly Event[]) {
              expect(run()).toEqual(expected);
            },
            thenNothingHappens() {
              expect(run()).toEqual([]);
            },
            thenThrows(code: string, detail?: string | RegExp) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(AppError);
              expect((thrown as AppError).code).toBe(code);
              if (detail) expect((thrown as AppError).detail).toMatch(detail);
            },
          };
        },
      };
    },
  };
}
