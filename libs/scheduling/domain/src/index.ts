export * from './calendar.decider';
export * from './programs.decider';
// The catalogue lives with the contracts (what the gateway reads); the deciders raise from it.
export { SchedulingErrors } from '@clientele/scheduling/contracts';
