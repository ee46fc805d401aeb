/** The Nest token of the service's shared `Scheduling` (see scheduling.ts). */
export const SCHEDULING = Symbol('Scheduling');
