import { AppError, ErrorCodes } from '@clientele/platform/core';
import { DuplicateDocumentError, type DocumentStore } from '@clientele/platform/document-store';
import type { JsonLogger } from '@clientele/platform/logging';
import type { ClientAccess } from '../client-access/client-access';
import { CLIENT_LOGINS, ClientLoginDoc } from '../client-access/client-logins.projection';
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
 * claim, once: from then on nobody can sign up with their address. An address that someone else
 * claimed meanwhile stays theirs (nothing is overwritten): it is logged, by client id, for an
 * operator to look at. Runs once the client logins have caught up with the events.
 */
export async function claimExistingClientSignIns(documents: DocumentStore, access: ClientAccess, logger: JsonLogger): Promise<void> {
  const id = 'client-sign-in-claims-v1';
  if (await documents.collection(MIGRATIONS).get(id)) return;
  const logins = await documents.collection<ClientLoginDoc>(CLIENT_LOGINS).find({ loginKey: { $ne: null } });
  let conflicts = 0;
  for (const login of logins) {
    if (!login.loginKey || login.access === 'removed') continue;
    try {
      await access.claimInRegistry(
        `loginemail-${login.loginKey}`,
        'this address',
        { clientId: login.id, accountId: login.accountId, purpose: 'invitation', tokenId: `existing-${login.id}` },
        { actor: { id: 'system', role: 'system' }, accountId: login.accountId },
      );
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== ErrorCodes.emailTaken) throw error;
      conflicts++;
      logger.warn(`client ${login.id} signs in with an address another login holds; look at it with the ops audit`, 'identity');
    }
  }
  await documents.commit([{ op: 'upsert', collection: MIGRATIONS, doc: { id, at: new Date().toISOString(), claimed: logins.length - conflicts, conflicts } }]);
}
