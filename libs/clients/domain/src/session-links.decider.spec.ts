import { deciderSpec } from '@clientele/platform/testing';
import { SessionLinkCommand, SessionLinkEvent, sessionLinkDecider } from './session-links.decider';

const at = '2026-11-21T10:00:00.000Z';
const link = (coachId: string, sessionId: string): SessionLinkCommand => ({ type: 'LinkCoachBySession', clientId: 'c1', accountId: 'a1', coachId, sessionId, linkedAt: at });
const linked = (coachId: string, sessionId: string): SessionLinkEvent => ({
  type: 'CoachLinkedBySession',
  data: { clientId: 'c1', accountId: 'a1', coachId, sessionId, linkedAt: at },
});

describe('session links', () => {
  const spec = deciderSpec(sessionLinkDecider);

  it('links a coach to the client by their first session', () => {
    spec.given([]).when(link('coachB', 's1')).then([linked('coachB', 's1')]);
  });

  it('links a pair once: the same session again, or another session of theirs, records nothing', () => {
    spec.given([linked('coachB', 's1')]).when(link('coachB', 's1')).thenNothingHappens();
    spec.given([linked('coachB', 's1')]).when(link('coachB', 's2')).thenNothingHappens();
  });

  it('links every coach who has a session with the client, each once', () => {
    spec.given([linked('coachB', 's1')]).when(link('coachC', 's2')).then([linked('coachC', 's2')]);
    spec.given([linked('coachB', 's1'), linked('coachC', 's2')]).when(link('coachC', 's3')).thenNothingHappens();
  });
});
