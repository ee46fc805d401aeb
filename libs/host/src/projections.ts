import { billingProjections } from '@clientele/billing/service';
import { clientsProjections } from '@clientele/clients/service';
import { identityProjections } from '@clientele/identity/service';
import { messagingProjections } from '@clientele/messaging/service';
import type { ProjectionSet } from '@clientele/platform/application';
import { schedulingProjections } from '@clientele/scheduling/service';

/** Every read model the system can rebuild from its events, for the ops tool. */
export const PROJECTION_SETS: readonly ProjectionSet[] = [identityProjections, clientsProjections, billingProjections, messagingProjections, schedulingProjections];
