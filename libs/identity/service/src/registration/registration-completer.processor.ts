import type { LoginEmailEvent } from '@clientele/identity/domain';
import type { EventProcessor } from '@clientele/platform/application';
import type { EventStore, RecordedEvent } from '@clientele/platform/event-store';
import { completeRegistration } from './complete-registration';

/** Finishes every claimed registration, so a crash right after a claim never leaves it half done. */
export class RegistrationCompleter implements EventProcessor {
  readonly name = 'identity_registrations';
  readonly filter = { streamCategories: ['loginemail'] };

  constructor(private readonly events: EventStore) {}

  async handle(recorded: RecordedEvent): Promise<[]> {
    if (recorded.type !== 'LoginEmailClaimed') return [];
    const { registration, claimedAt } = (recorded as unknown as { data: LoginEmailEvent['data'] }).data;
    await completeRegistration(
      this.events,
      registration,
      { ...recorded.metadata, causationId: recorded.id },
      claimedAt,
    );
    return [];
  }
}
