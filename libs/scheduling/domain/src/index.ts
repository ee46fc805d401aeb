export * from './calendar.decider';
export * from './programs.decider';
