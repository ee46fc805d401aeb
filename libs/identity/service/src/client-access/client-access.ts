import { ClientContactView, ClientsSubjects } from '@clientele/clients/contracts';
import {
  ClientLoginCommand,
  ClientLoginEvent,
  ClientLoginState,
  LoginEmailReleaseReason,
  PendingClientSignIn,
  clientLoginDecider,
  holderOf,
  loginEmailDecider,
} from '@clientele/identity/domain';
import { CommandResult, handleCommand } from '@clientele/platform/application';
import { untilAvailable, type RequestClient } from '@clientele/platform/bus';
import { AppError, ErrorCodes, fold } from '@clientele/platform/core';
import type { EventMetadata, EventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import type { DocumentStore } from '@clientele/platform/document-store';
import { randomUUID } from 'node:crypto';
import { loginEmailStream } from '../streams';
import { ClientLoginCodec } from './client-login-codec';
import { LinkTokens } from './link-tokens';

export const clientLoginStream = (clientId: string) => `clientlogin-${clientId}`;

/** A client's claim as the service makes it: the password in clear here, sealed in the event. */
export type ClientClaim = Omit<PendingClientSignIn, 'sealedPasswordHash'> & { passwordHash?: string };

/**
 * Client app access: the client-login streams (invitations, acceptance, revocation, resets, address
 * changes), the roster's word on a client, and the client's claims in the sign-in registry. The
 * roster's events drive it (reactions/app-access-when-client-changes), the client's links finish
 * it (commands), and the registration completer finishes what a crash interrupted.
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
    const claimed = await handleCommand(this.events, registryStream, loginEmailDecider, { type: 'ClaimLoginEmailForClient', email, clientSignIn, metadata: { now: new Date().toISOString() } }, {
      commandId,
      metadata,
    });
    // This very claim was made before and has been released since (its change was abandoned): claim afresh.
    if (holderOf(claimed.state) !== claim.clientId) {
      await handleCommand(this.events, registryStream, loginEmailDecider, { type: 'ClaimLoginEmailForClient', email, clientSignIn, metadata: { now: new Date().toISOString() } }, {
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
      { type: 'ReleaseLoginEmail', userId: clientId, reason, metadata: { now: new Date().toISOString() } },
      { commandId, metadata },
    );
  }

  newTokenId(): string {
    return randomUUID();
  }
}
