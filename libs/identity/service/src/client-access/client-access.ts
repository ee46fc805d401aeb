import { ClientContactView, ClientsEvents, ClientsSubjects } from '@clientele/clients/contracts';
import {
  ClientLoginCommand,
  ClientLoginEvent,
  ClientLoginState,
  LoginEmailReleaseReason,
  PendingClientSignIn,
  clientLoginDecider,
  loginEmailDecider,
  normalizeEmail,
} from '@clientele/identity/domain';
import { CommandResult, deterministicId, handleCommand, reactionMetadata } from '@clientele/platform/application';
import { untilAvailable, type IntegrationEvent, type RequestClient } from '@clientele/platform/bus';
import { AppError, ErrorCodes, fold } from '@clientele/platform/core';
import type { EventMetadata, EventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import type { DocumentStore } from '@clientele/platform/document-store';
import { randomUUID } from 'node:crypto';
import { loginEmailStream, loginKeyOf } from '../streams';
import { ClientLoginCodec } from './client-login-codec';
import { LinkTokens } from './link-tokens';

export const clientLoginStream = (clientId: string) => `clientlogin-${clientId}`;

/** A client's claim as the service makes it: the password in clear here, sealed in the event. */
export type ClientClaim = Omit<PendingClientSignIn, 'sealedPasswordHash'> & { passwordHash?: string };

/**
 * Client app access, as the roster's events drive it: invitations when a full-access client is
 * added or leaves offline, revocation when one goes offline or is deleted, restored access,
 * login links and password resets on request, and a confirmation link when a coach gives a
 * client who signs in another address. Each reaction's command id comes from the roster event,
 * so a redelivered event changes nothing twice.
 *
 * Invitations are bound to the address they are sent to: the one the roster has when they are
 * issued. A client's sign-in address is claimed in the sign-in registry (`loginemail-*`) before
 * it is recorded, and released when the client is deleted or moves to a confirmed new address.
 */
export class ClientAccess {
  readonly cipher: PersonalDataCipher;
  readonly codec: ClientLoginCodec;
  readonly links: LinkTokens;

  constructor(
    readonly events: EventStore,
    readonly documents: DocumentStore,
    readonly requests: RequestClient,
    signingSecret: string,
    /** The service's key store, apart from its read models (docs/ERASURE.md). */
    keys: DocumentStore,
  ) {
    this.cipher = new PersonalDataCipher(new KeyStore(keys));
    this.codec = new ClientLoginCodec(this.cipher);
    this.links = new LinkTokens(signingSecret);
  }

  run(clientId: string, command: ClientLoginCommand, commandId: string, metadata: EventMetadata): Promise<CommandResult<ClientLoginState, ClientLoginEvent>> {
    return handleCommand(this.events, clientLoginStream(clientId), clientLoginDecider, command, { commandId, metadata }, { codec: this.codec, maxRetries: 10 });
  }

  async state(clientId: string): Promise<ClientLoginState> {
    const history = await this.events.readStream(clientLoginStream(clientId));
    return fold(clientLoginDecider, await Promise.all(history.map((e) => this.codec.decode(e))));
  }

  /** The roster's current word on a client (type, address); null for a deleted or unknown one. */
  async contact(clientId: string, correlationId?: string): Promise<ClientContactView | null> {
    try {
      return await this.requests.request<ClientContactView>(ClientsSubjects.getContact, { correlationId, data: { clientId } });
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCodes.notFound) return null;
      throw error;
    }
  }

  /**
   * The same, for reactions (not requests, where a person waits): a roster that does not answer
   * (restarting after a crash, say) is waited for, up to `patienceMs`, instead of failing the
   * delivery. The consumer's own retries are for events that fail on their own; spending them on an
   * outage of the clients service would dead-letter every invitation of that minute.
   */
  contactPatiently(clientId: string, correlationId?: string, patienceMs = 120_000): Promise<ClientContactView | null> {
    return untilAvailable(() => this.contact(clientId, correlationId), patienceMs);
  }

  /**
   * Claims `email` in the sign-in registry for this client: 409 `email_taken` when another login
   * holds it. The claim records the link whose use it completes, so a crash right after it is
   * finished by the SignInClaims processor.
   */
  async claimAddress(email: string, claim: ClientClaim, metadata: EventMetadata): Promise<void> {
    await this.claimInRegistry(loginEmailStream(email), email, claim, metadata);
  }

  /** The same, by the registry stream of the address (what the read models keep of it). */
  async claimInRegistry(registryStream: string, email: string, claim: ClientClaim, metadata: EventMetadata): Promise<void> {
    const { passwordHash, ...rest } = claim;
    const clientSignIn: PendingClientSignIn = {
      ...rest,
      ...(passwordHash ? { sealedPasswordHash: await this.cipher.seal(claim.clientId, { passwordHash }) } : {}),
    };
    const commandId = `claim-client:${claim.purpose}:${claim.tokenId}`;
    const claimed = await handleCommand(this.events, registryStream, loginEmailDecider, { type: 'ClaimLoginEmailForClient', email, clientSignIn, now: new Date().toISOString() }, {
      commandId,
      metadata,
    });
    // This very claim was made before and has been released since (its change was abandoned): claim afresh.
    if (claimed.state.claimedBy !== claim.clientId) {
      await handleCommand(this.events, registryStream, loginEmailDecider, { type: 'ClaimLoginEmailForClient', email, clientSignIn, now: new Date().toISOString() }, {
        commandId: `${commandId}:after:${claimed.revision}`,
        metadata,
      });
    }
  }

  /** The password a claim carries for the acceptance it completes; null once the client's key is shredded. */
  async claimedPasswordHash(claim: PendingClientSignIn): Promise<string | null> {
    if (!claim.sealedPasswordHash) return null;
    const opened = await this.cipher.open<{ passwordHash: string }>(claim.clientId, claim.sealedPasswordHash);
    return opened?.passwordHash ?? null;
  }

  /** Frees an address this client held (a late or repeated release of someone else's claim changes nothing). */
  async releaseAddress(email: string, clientId: string, reason: LoginEmailReleaseReason, commandId: string, metadata: EventMetadata): Promise<void> {
    if (!email) return;
    await handleCommand(
      this.events,
      loginEmailStream(email),
      loginEmailDecider,
      { type: 'ReleaseLoginEmail', userId: clientId, reason, now: new Date().toISOString() },
      { commandId, metadata },
    );
  }

  /** Handler of the `identity--clients` consumer. */
  async onRosterEvent(event: IntegrationEvent): Promise<void> {
    const data = event.data as {
      clientId: string;
      accountId: string;
      type?: string;
      status?: string;
      sendInvitation?: boolean;
      effect?: string;
      kind?: string;
      fields?: string[];
    };
    const { clientId, accountId } = data;
    const metadata = reactionMetadata(event, { actor: event.metadata.actor, accountId });
    const now = new Date().toISOString();
    // The link goes to the address the roster has now, and only that address can use it.
    const invite = async (reason: 'added' | 'type_changed' | 'requested' | 'email_changed', known?: ClientContactView | null) => {
      const contact = known === undefined ? await this.contactPatiently(clientId, event.metadata.correlationId) : known;
      if (!contact || contact.type === 'offline') return;
      // A client who set a password has a login already: never a second invitation, restored access instead.
      const current = await this.state(clientId);
      if (current.hasPassword) {
        if (current.access === 'revoked') await this.run(clientId, { type: 'RestoreAccess', now }, event.id, metadata);
        return;
      }
      await this.run(
        clientId,
        { type: 'IssueInvitation', clientId, accountId, tokenId: deterministicId('token', event.id), email: contact.email, now, reason },
        event.id,
        metadata,
      );
    };

    switch (event.subject) {
      case ClientsEvents.clientAdded:
        if (data.type !== 'offline' && data.sendInvitation && data.status === 'active') await invite('added');
        return;
      case ClientsEvents.activated:
        // A buyer promoted from the waiting list gets the invitation they were waiting for.
        await invite('added');
        return;
      case ClientsEvents.contactChanged: {
        if (!data.fields?.includes('email')) return;
        const [state, contact] = await Promise.all([this.state(clientId), this.contactPatiently(clientId, event.metadata.correlationId)]);
        if (!contact) return;
        if (state.hasPassword && state.access !== 'removed') {
          // A client who signs in keeps their address until the new one's owner confirms it.
          await this.run(clientId, { type: 'RequestEmailChange', tokenId: deterministicId('token', event.id), email: contact.email, now }, event.id, metadata);
        } else if (state.access === 'invited' && state.invitation && normalizeEmail(state.invitation.email) !== normalizeEmail(contact.email)) {
          // The invitation follows the corrected address; the link sent to the old one stops working.
          await invite('email_changed', contact);
        }
        return;
      }
      case ClientsEvents.typeChanged:
        if (data.effect === 'access_revoked') await this.run(clientId, { type: 'RevokeAccess', reason: 'offline', now }, event.id, metadata);
        else if (data.effect === 'invitation') await invite('type_changed');
        else if (data.effect === 'access_restored') {
          const restored = await this.run(clientId, { type: 'RestoreAccess', now }, event.id, metadata);
          // No password was ever set after all: invite instead.
          if (restored.events.length === 0 && !restored.alreadyHandled && !restored.state.hasPassword) await invite('type_changed');
        }
        return;
      case ClientsEvents.loginDetailsRequested: {
        const state = await this.state(clientId);
        if (state.access === 'active') await this.run(clientId, { type: 'SendLoginLink', now }, event.id, metadata);
        else await invite('requested');
        return;
      }
      case ClientsEvents.passwordResetRequested:
        await this.run(clientId, { type: 'IssuePasswordReset', tokenId: deterministicId('token', event.id), now }, event.id, metadata);
        return;
      case ClientsEvents.deleted: {
        await this.run(clientId, { type: 'RevokeAccess', reason: 'deleted', now }, `${event.id}:revoke`, metadata);
        const removed = await this.run(clientId, { type: 'RemoveLogin', now }, `${event.id}:remove`, metadata);
        // The address is free again; released before the key is shredded, while it can still be read.
        // (A redelivery after the shred finds nothing to read: the release happened the first time.)
        const state = removed.state;
        for (const address of new Set([state.signInEmail, state.emailChange?.email].filter((a): a is string => !!a))) {
          await this.releaseAddress(address, clientId, 'client_deleted', `${event.id}:release:${loginKeyOf(address)}`, metadata);
        }
        await this.cipher.shred(clientId);
        return;
      }
      default:
        return;
    }
  }

  newTokenId(): string {
    return randomUUID();
  }
}
