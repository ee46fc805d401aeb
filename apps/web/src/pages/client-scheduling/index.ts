/** The profile's tabs served by the scheduling service: Overview's sessions, Programs (bundles) and Finances (payments). */
export { Finances, RevenueKpis } from './finances';
export { Programs } from './programs';
export { SessionKpis, Sessions } from './sessions';
export { PAYMENT_STATUS_LABELS, SESSION_STATUS_LABELS } from './shared';
