import { ClientContactView, ClientsEvents, ClientsSubjects } from '@clientele/clients/contracts';
import { ClientLoginCommand, ClientLoginEvent, ClientLoginState, clientLoginDecider } from '@clientele/identity/domain';
import { CommandResult, deterministicId, handleCommand } from '@clientele/platform/application';
import type { IntegrationEvent, RequestClient } from '@clientele/platform/bus';
import { AppError, ErrorCodes, fold } from '@clientele/platform/core';
import type { EventMetadata, EventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import type { DocumentStore } from '@clientele/platform/document-store';
import { randomUUID } from 'node:crypto';
import { ClientLoginCodec } from './client-login-codec';
import { LinkTokens } from './link-tokens';

export const clientLoginStream = (clientId: string) => `clientlogin-${clientId}`;

/**
 * Client app access, as the roster's events drive it: invitations when a full-access client is
 * added or leaves offline, revocation when one goes offline or is deleted, restored access,
 * login links and password resets on request. Each reaction's command id comes from the roster
 * event, so a redelivered event changes nothing twice.
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
  ) {
    this.cipher = new PersonalDataCipher(new KeyStore(documents));
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

  /** Handler of the `identity--clients` consumer. */
  async onRosterEvent(event: IntegrationEvent): Promise<void> {
    const data = event.data as { clientId: string; accountId: string; type?: string; status?: string; sendInvitation?: boolean; effect?: string; kind?: string };
    const { clientId, accountId } = data;
    const metadata = { correlationId: event.metadata.correlationId, causationId: event.id, actor: event.metadata.actor, accountId };
    const now = new Date().toISOString();
    const invite = (reason: 'added' | 'type_changed' | 'requested') =>
      this.run(clientId, { type: 'IssueInvitation', clientId, accountId, tokenId: deterministicId('token', event.id), now, reason }, event.id, metadata);

    switch (event.subject) {
      case ClientsEvents.clientAdded:
        if (data.type !== 'offline' && data.sendInvitation && data.status === 'active') await invite('added');
        return;
      case ClientsEvents.activated: {
        // A buyer promoted from the waiting list gets the invitation they were waiting for.
        const contact = await this.contact(clientId, event.metadata.correlationId);
        if (contact && contact.type !== 'offline') await invite('added');
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
      case ClientsEvents.deleted:
        await this.run(clientId, { type: 'RevokeAccess', reason: 'deleted', now }, `${event.id}:revoke`, metadata);
        await this.run(clientId, { type: 'RemoveLogin', now }, `${event.id}:remove`, metadata);
        await this.cipher.shred(clientId);
        return;
      default:
        return;
    }
  }

  newTokenId(): string {
    return randomUUID();
  }
}
