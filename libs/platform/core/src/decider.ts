/**
 * A decider holds an aggregate's business rules as pure functions (emmett's idea):
 * `decide(command, state)` answers with new events or throws an AppError, `evolve(state, event)`
 * folds one event into the state. No I/O, no framework: trivial to test and to replay.
 */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

export interface Decider<Command, State, Event extends DomainEvent> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function fold<State, Event extends DomainEvent>(
  decider: Pick<Decider<unknown, State, Event>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}
