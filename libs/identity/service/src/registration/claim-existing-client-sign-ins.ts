import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { JsonLogger } from '@clientele/platform/logging';
import type { ClientAccess } from '../client-access/client-access';
import { CLIENT_LOGINS, ClientLoginDoc } from '../client-access/client-logins.projection';

const MIGRATIONS = 'identity_migrations';
const ID = 'client-sign-in-claims-v1';

/**
 * Clients who signed in before client sign-ins were claimed in the sign-in registry get their
 * claim, once, at the first start of this version: from then on nobody can sign up with their
 * address. An address that someone else claimed meanwhile stays theirs (nothing is overwritten):
 * it is logged, by client id, for an operator to look at.
 */
export async function claimExistingClientSignIns(documents: DocumentStore, access: ClientAccess, logger: JsonLogger): Promise<void> {
  if (await documents.collection(MIGRATIONS).get(ID)) return;
  const logins = await documents.collection<ClientLoginDoc>(CLIENT_LOGINS).find({ loginKey: { $ne: null } });
  let conflicts = 0;
  for (const login of logins) {
    if (!login.loginKey || login.access === 'removed') continue;
    try {
      await access.claimAddress(
        login.loginKey,
        { clientId: login.id, accountId: login.accountId, purpose: 'invitation', tokenId: `existing-${login.id}` },
        { actor: { id: 'system', role: 'system' }, accountId: login.accountId },
      );
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== ErrorCodes.emailTaken) throw error;
      conflicts++;
      logger.warn(`client ${login.id} signs in with an address another login holds; look at it with the ops audit`, 'identity');
    }
  }
  await documents.commit([{ op: 'upsert', collection: MIGRATIONS, doc: { id: ID, at: new Date().toISOString(), claimed: logins.length - conflicts, conflicts } }]);
}
