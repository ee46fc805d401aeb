import { ClientContactView, ClientsEvents, type ClientsIntegrationEvents } from '@clientele/clients/contracts';
import { normalizeEmail } from '@clientele/identity/domain';
import { deterministicId, reactionMetadata, reactionsTo, type Reaction } from '@clientele/platform/application';
import { durableName } from '@clientele/platform/bus';
import type { ClientAccess } from '../../client-access/client-access';
import { loginKeyOf } from '../../streams';

/**
 * The durable consumer `identity--clients`: client app access follows the roster. Invitations when
 * a full-access client is added or leaves offline, revocation when one goes offline or is deleted,
 * restored access, login links and password resets on request, and a confirmation link when a
 * coach gives a client who signs in another address. Each command id comes from the roster event,
 * so a redelivered event changes nothing twice.
 */
export function appAccessWhenClientChanges(access: ClientAccess): Reaction {
  return reactionsTo<ClientsIntegrationEvents>()(
    {
      durableName: durableName('identity', 'clients'),
      sourceService: 'clients',
      subjects: [
        ClientsEvents.clientAdded,
        ClientsEvents.activated,
        ClientsEvents.typeChanged,
        ClientsEvents.contactChanged,
        ClientsEvents.loginDetailsRequested,
        ClientsEvents.passwordResetRequested,
        ClientsEvents.deleted,
      ],
    },
    async (event) => {
      const { clientId, accountId } = event.data;
      const metadata = reactionMetadata(event, { actor: event.metadata.actor, accountId });
      const now = new Date().toISOString();
      // The link goes to the address the roster has now, and only that address can use it.
      const invite = async (reason: 'added' | 'type_changed' | 'requested' | 'email_changed', known?: ClientContactView | null) => {
        const contact = known === undefined ? await access.contactPatiently(clientId, event.metadata.correlationId) : known;
        if (!contact || contact.type === 'offline') return;
        // A client who set a password has a login already: never a second invitation, restored access instead.
        const current = await access.state(clientId);
        if (current.status !== 'none' && current.hasPassword) {
          if (current.status === 'revoked') await access.run(clientId, { type: 'RestoreAccess', metadata: { now } }, event.id, metadata);
          return;
        }
        await access.run(
          clientId,
          { type: 'IssueInvitation', clientId, accountId, tokenId: deterministicId('token', event.id), email: contact.email, reason, metadata: { now } },
          event.id,
          metadata,
        );
      };

      switch (event.subject) {
        case ClientsEvents.clientAdded:
          if (event.data.type !== 'offline' && event.data.sendInvitation && event.data.status === 'active') await invite('added');
          return;
        case ClientsEvents.activated:
          // A buyer promoted from the waiting list gets the invitation they were waiting for.
          await invite('added');
          return;
        case ClientsEvents.contactChanged: {
          if (!event.data.fields?.includes('email')) return;
          const [state, contact] = await Promise.all([access.state(clientId), access.contactPatiently(clientId, event.metadata.correlationId)]);
          if (!contact) return;
          if (state.status !== 'none' && state.status !== 'removed' && state.hasPassword) {
            // A client who signs in keeps their address until the new one's owner confirms it.
            await access.run(clientId, { type: 'RequestEmailChange', tokenId: deterministicId('token', event.id), email: contact.email, metadata: { now } }, event.id, metadata);
          } else if (state.status === 'invited' && state.invitation && normalizeEmail(state.invitation.email) !== normalizeEmail(contact.email)) {
            // The invitation follows the corrected address; the link sent to the old one stops working.
            await invite('email_changed', contact);
          }
          return;
        }
        case ClientsEvents.typeChanged:
          if (event.data.effect === 'access_revoked') await access.run(clientId, { type: 'RevokeAccess', reason: 'offline', metadata: { now } }, event.id, metadata);
          else if (event.data.effect === 'invitation') await invite('type_changed');
          else if (event.data.effect === 'access_restored') {
            const restored = await access.run(clientId, { type: 'RestoreAccess', metadata: { now } }, event.id, metadata);
            // No password was ever set after all: invite instead.
            if (restored.events.length === 0 && !restored.alreadyHandled && (restored.state.status === 'none' || !restored.state.hasPassword)) await invite('type_changed');
          }
          return;
        case ClientsEvents.loginDetailsRequested: {
          const state = await access.state(clientId);
          if (state.status === 'active') await access.run(clientId, { type: 'SendLoginLink', metadata: { now } }, event.id, metadata);
          else await invite('requested');
          return;
        }
        case ClientsEvents.passwordResetRequested:
          await access.run(clientId, { type: 'IssuePasswordReset', tokenId: deterministicId('token', event.id), metadata: { now } }, event.id, metadata);
          return;
        case ClientsEvents.deleted: {
          await access.run(clientId, { type: 'RevokeAccess', reason: 'deleted', metadata: { now } }, `${event.id}:revoke`, metadata);
          const removed = await access.run(clientId, { type: 'RemoveLogin', metadata: { now } }, `${event.id}:remove`, metadata);
          // The address is free again; released before the key is shredded, while it can still be read.
          // (A redelivery after the shred finds nothing to read: the release happened the first time.)
          const state = removed.state;
          const held = state.status === 'none' ? [] : [state.signInEmail, state.emailChange?.email];
          for (const address of new Set(held.filter((a): a is string => !!a))) {
            await access.releaseAddress(address, clientId, 'client_deleted', `${event.id}:release:${loginKeyOf(address)}`, metadata);
          }
          await access.cipher.shred(clientId);
          return;
        }
      }
    },
  );
}
