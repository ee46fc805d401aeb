import { reactionsTo, type Reaction } from '@clientele/platform/application';
import { durableName } from '@clientele/platform/bus';
import { SchedulingEvents, type SchedulingIntegrationEvents } from '@clientele/scheduling/contracts';
import type { SessionLinkRecorder } from '../../read-models/session-links';

/** Each booked session links its coach and client (an event on the client's link stream). */
export function linkCoachWhenSessionScheduled(sessionLinks: SessionLinkRecorder): Reaction {
  return reactionsTo<SchedulingIntegrationEvents>()(
    { durableName: durableName('clients', 'scheduling'), sourceService: 'scheduling', subjects: [SchedulingEvents.sessionScheduled] },
    (event) => sessionLinks.onSessionScheduled(event),
  );
}
