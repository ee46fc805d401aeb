import type { EventProcessor } from '@clientele/platform/application';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { loginKeyOf } from '../streams';
import type { ClientLoginCodec } from '../client-access/client-login-codec';

export const CLIENT_LOGINS = 'client_logins';

/** Where a client's access stands; checked on every client request. */
export interface ClientLoginDoc {
  id: string;
  accountId: string;
  access: 'none' | 'invited' | 'active' | 'revoked' | 'removed';
  epoch: number;
  /** The key (loginKeyOf) of the address the client signs in with, their `logins` entry; null before they accept or once erased. */
  loginKey: string | null;
  [key: string]: unknown;
}

/** Client logins, from the client-login streams. (Their entries in the sign-in index: SignInsProjection.) */
export class ClientLoginsProjection implements EventProcessor {
  readonly name = 'identity_client_logins';
  readonly filter = { streamCategories: ['clientlogin'] };

  constructor(
    private readonly documents: DocumentStore,
    private readonly codec: ClientLoginCodec,
  ) {}

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = await this.codec.decode(recorded);
    const version = recorded.revision;
    const current =
      (await this.documents.collection<ClientLoginDoc>(CLIENT_LOGINS).get(event.data.clientId)) ??
      ({ id: event.data.clientId, accountId: event.data.accountId, access: 'none', epoch: 0, loginKey: null } as ClientLoginDoc);
    if (typeof current.version === 'number' && current.version >= version) return [];
    const next: ClientLoginDoc = { ...current, version };
    switch (event.type) {
      case 'ClientInvitationIssued':
        if (next.access !== 'active') next.access = 'invited';
        break;
      case 'ClientInvitationAccepted':
        next.access = 'active';
        // A deleted client's address reads as '' once their key is shredded (a rebuild): no sign-in to point to.
        next.loginKey = event.data.email ? loginKeyOf(event.data.email) : null;
        break;
      case 'ClientSignInEmailChanged':
        next.loginKey = event.data.email ? loginKeyOf(event.data.email) : null;
        break;
      case 'ClientPasswordChanged':
      case 'ClientSignedOut':
        next.epoch += 1;
        break;
      case 'ClientAccessRevoked':
        next.access = 'revoked';
        next.epoch += 1;
        break;
      case 'ClientAccessRestored':
        next.access = 'active';
        break;
      case 'ClientLoginRemoved':
        return [{ op: 'delete', collection: CLIENT_LOGINS, id: next.id, version }];
      default:
        break;
    }
    return [{ op: 'upsert', collection: CLIENT_LOGINS, doc: next, version }];
  }
}
