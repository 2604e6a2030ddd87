/**
 * The shapes every aggregate shares: messages are `{ type, data, metadata }`,
 * and an aggregate is a `Decider` — data plus three pure functions.
 *
 * @example
 *   const state = events.reduce(decider.evolve, decider.initialState());
 *   const newEvents = decider.decide(command, state);
 */
export type Event<Type extends string = string, Data = unknown, Metadata = unknown> = Readonly<{
  type: Type;
  data: Data;
  metadata: Metadata;
}>;

export type Command<Type extends string = string, Data = unknown, Metadata = unknown> = Readonly<{
  type: Type;
  data: Data;
  metadata: Metadata;
}>;

export type Decider<State, C extends Command, E extends Event> = {
  decide: (command: C, state: State) => E[];
  evolve: (state: State, event: E) => State;
  initialState: () => State;
};
