import { AppError, ErrorCodes } from '@clientele/platform/core';
import { DuplicateDocumentError, type DocumentStore } from '@clientele/platform/document-store';
import type { EventStore, GlobalPosition } from '@clientele/platform/event-store';
import type { JsonLogger } from '@clientele/platform/logging';
import type { ClientAccess } from '../client-access/client-access';
import { CLIENT_LOGINS } from '../read-models/client-logins.projection';
import { LOGINS } from '../read-models/identity-views.projection';

const MIGRATIONS = 'identity_migrations';

/**
 * The sign-in index is keyed by a hash of the address since this version, and kept by one
 * projection: at the first start of it, the index and the client logins (whose `loginKey` points
 * into it) are rebuilt from the events. Runs before the processors start; an upgrade stops every
 * identity process first (docs/ERASURE.md says the same for the key stores).
 */
export async function rebuildSignInIndexOnce(documents: DocumentStore): Promise<void> {
  const id = 'sign-in-index-v2';
  if (await documents.collection(MIGRATIONS).get(id)) return;
  await documents.dropCollection(LOGINS);
  await documents.dropCollection(CLIENT_LOGINS);
  await documents.commit([
    { op: 'checkpoint', processor: 'identity_client_logins', position: null },
    { op: 'checkpoint', processor: 'identity_sign_ins', position: null },
  ]);
  try {
    await documents.commit([{ op: 'insert', collection: MIGRATIONS, doc: { id, at: new Date().toISOString() } }]);
  } catch (error) {
    if (!(error instanceof DuplicateDocumentError)) throw error;
  }
}

/**
 * Clients who signed in before client sign-ins were claimed in the sign-in registry get their
 * claim, once: from then on nobody can sign up with their address. Read from the events (not a
 * read model that may still be catching up), before the service answers its first request. An
 * address that someone else claimed meanwhile stays theirs (nothing is overwritten): it is logged,
 * by client id, for an operator to look at.
 */
export async function claimExistingClientSignIns(events: EventStore, documents: DocumentStore, access: ClientAccess, logger: JsonLogger): Promise<void> {
  const id = 'client-sign-in-claims-v1';
  if (await documents.collection(MIGRATIONS).get(id)) return;
  const signIns = new Map<string, { accountId: string; email: string }>();
  const filter = { streamCategories: ['clientlogin'], eventTypes: ['ClientInvitationAccepted', 'ClientSignInEmailChanged', 'ClientLoginRemoved'] };
  for (let after: GlobalPosition | undefined; ; ) {
    const page = await events.readAll({ after, maxCount: 1000, filter });
    if (page.length === 0) break;
    for (const recorded of page) {
      const event = await access.codec.decode(recorded);
      if (event.type === 'ClientLoginRemoved') signIns.delete(event.data.clientId);
      else if (event.type === 'ClientInvitationAccepted' || event.type === 'ClientSignInEmailChanged') {
        signIns.set(event.data.clientId, { accountId: event.data.accountId, email: event.data.email });
      }
    }
    after = page[page.length - 1].position;
  }
  let conflicts = 0;
  for (const [clientId, { accountId, email }] of signIns) {
    if (!email) continue; // erased: a deleted client
    try {
      await access.claimAddress(email, { clientId, accountId, purpose: 'invitation', tokenId: `existing-${clientId}` }, { actor: { id: 'system', role: 'system' }, accountId });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== ErrorCodes.emailTaken) throw error;
      conflicts++;
      logger.warn(`client ${clientId} signs in with an address another login holds; look at it with the ops audit`, 'identity');
    }
  }
  await documents.commit([{ op: 'upsert', collection: MIGRATIONS, doc: { id, at: new Date().toISOString(), claimed: signIns.size - conflicts, conflicts } }]);
}
