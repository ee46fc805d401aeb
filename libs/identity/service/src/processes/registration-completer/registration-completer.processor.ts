import type { ClientLoginState, LoginEmailEvent, PendingClientSignIn, StaffMemberEvent } from '@clientele/identity/domain';
import { loginEmailDecider } from '@clientele/identity/domain';
import { handleCommand, metadataCausedBy, type EventProcessor } from '@clientele/platform/application';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { EventMetadata, EventStore, RecordedEvent } from '@clientele/platform/event-store';
import type { ClientAccess } from '../../client-access/client-access';
import { loginEmailStream } from '../../streams';
import { completeRegistration } from '../../registration';

/**
 * Finishes every change of the sign-in registry, so a crash between two steps never leaves half
 * of one: a claimed registration gets its account and staff member; a client's claim gets the
 * acceptance or address change it was made for (or is released when its link can no longer be
 * used); a removed staff member's address and a client's previous address are released. Every
 * step uses the command id of the request that started it, so whichever comes second changes nothing.
 */
export class RegistrationCompleter implements EventProcessor {
  readonly name = 'identity_registrations';
  readonly filter = { streamCategories: ['loginemail', 'staff', 'clientlogin'] };

  constructor(
    private readonly events: EventStore,
    private readonly access: ClientAccess,
  ) {}

  async handle(recorded: RecordedEvent): Promise<[]> {
    const metadata = metadataCausedBy(recorded);
    if (recorded.type === 'LoginEmailClaimed') {
      const data = (recorded as unknown as { data: Extract<LoginEmailEvent, { type: 'LoginEmailClaimed' }>['data'] }).data;
      if (data.registration) await completeRegistration(this.events, data.registration, metadata, data.claimedAt);
      if (data.clientSignIn) await this.completeClientClaim(recorded.streamName, data.clientSignIn, metadata);
      return [];
    }
    if (recorded.type === 'StaffMemberRemoved') {
      const { userId, email, removedAt } = recorded.data as Extract<StaffMemberEvent, { type: 'StaffMemberRemoved' }>['data'];
      await handleCommand(this.events, loginEmailStream(email), loginEmailDecider, { type: 'ReleaseLoginEmail', userId, reason: 'staff_removed', metadata: { now: removedAt } }, {
        commandId: `release:staff:${userId}`,
        metadata,
      });
      return [];
    }
    if (recorded.type === 'ClientSignInEmailChanged') {
      const event = await this.access.codec.decode(recorded);
      if (event.type === 'ClientSignInEmailChanged' && event.data.previousEmail) {
        await this.access.releaseAddress(event.data.previousEmail, event.data.clientId, 'client_email_changed', `release:${event.data.tokenId}`, metadata);
      }
    }
    return [];
  }

  private async completeClientClaim(registryStream: string, claim: PendingClientSignIn, metadata: EventMetadata): Promise<void> {
    const { clientId, tokenId } = claim;
    const abandon = () =>
      handleCommand(this.events, registryStream, loginEmailDecider, { type: 'ReleaseLoginEmail', userId: clientId, reason: 'claim_abandoned', metadata: { now: new Date().toISOString() } }, {
        commandId: `abandon:${claim.purpose}:${tokenId}`,
        metadata,
      });
    try {
      if (claim.purpose === 'invitation') {
        const [contact, state, passwordHash] = await Promise.all([
          this.access.contactPatiently(clientId, metadata.correlationId),
          this.access.state(clientId),
          this.access.claimedPasswordHash(claim),
        ]);
        // No contact: the client was deleted (a roster that does not answer throws, and this is retried).
        const invitation = state.status === 'none' ? null : state.invitation;
        if (!contact || !invitation || invitation.tokenId !== tokenId || !passwordHash) {
          // Accepted already (the request finished it), or the link can no longer be used.
          if (!this.holds(state, registryStream)) await abandon();
          return;
        }
        await this.access.run(
          clientId,
          {
            type: 'AcceptInvitation',
            tokenId,
            email: invitation.email,
            firstName: contact.firstName,
            lastName: contact.lastName,
            passwordHash,
            metadata: { now: new Date().toISOString() },
          },
          `accept:${tokenId}`,
          metadata,
        );
      } else {
        const result = await this.access.run(clientId, { type: 'ConfirmEmailChange', tokenId, metadata: { now: new Date().toISOString() } }, `confirm-email:${tokenId}`, metadata);
        const changed = result.events.find((event) => event.type === 'ClientSignInEmailChanged');
        if (changed?.type === 'ClientSignInEmailChanged') {
          await this.access.releaseAddress(changed.data.previousEmail, clientId, 'client_email_changed', `release:${tokenId}`, metadata);
        }
      }
    } catch (error) {
      // The link expired or was replaced between the claim and now: nobody may keep the address for
      // it. Anything else (a service that did not answer, a conflict) is retried, never taken as that.
      if (!(error instanceof AppError) || error.code !== ErrorCodes.validationFailed) throw error;
      const state = await this.access.state(clientId);
      if (!this.holds(state, registryStream)) await abandon();
    }
  }

  /** Whether the client signs in with the address of this registry stream. */
  private holds(state: ClientLoginState, registryStream: string): boolean {
    const signInEmail = state.status === 'none' ? null : state.signInEmail;
    return !!signInEmail && loginEmailStream(signInEmail) === registryStream;
  }
}
