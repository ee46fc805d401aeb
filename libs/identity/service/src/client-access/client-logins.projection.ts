import { normalizeEmail } from '@clientele/identity/domain';
import type { EventProcessor } from '@clientele/platform/application';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { LOGINS, LoginDoc } from '../read-models/identity-views.projection';
import type { ClientLoginCodec } from './client-login-codec';

export const CLIENT_LOGINS = 'client_logins';

/** Where a client's access stands; checked on every client request. */
export interface ClientLoginDoc {
  id: string;
  accountId: string;
  access: 'none' | 'invited' | 'active' | 'revoked' | 'removed';
  epoch: number;
  loginKey: string | null;
  [key: string]: unknown;
}

/** Client logins and their entry in the sign-in index, from the client-login streams. */
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
    const writes: WriteOp[] = [];
    switch (event.type) {
      case 'ClientInvitationIssued':
        if (next.access !== 'active') next.access = 'invited';
        break;
      case 'ClientInvitationAccepted': {
        next.access = 'active';
        next.loginKey = normalizeEmail(event.data.email);
        const login: LoginDoc = {
          id: next.loginKey,
          userId: event.data.clientId,
          accountId: event.data.accountId,
          role: 'client',
          capabilities: [],
          passwordHash: event.data.passwordHash,
          email: event.data.email,
          firstName: event.data.firstName,
          lastName: event.data.lastName,
        };
        writes.push({ op: 'upsert', collection: LOGINS, doc: login, version: recorded.position });
        break;
      }
      case 'ClientPasswordChanged':
        next.epoch += 1;
        if (next.loginKey) writes.push({ op: 'patch', collection: LOGINS, id: next.loginKey, set: { passwordHash: event.data.passwordHash }, version: recorded.position });
        break;
      case 'ClientAccessRevoked':
        next.access = 'revoked';
        next.epoch += 1;
        break;
      case 'ClientAccessRestored':
        next.access = 'active';
        break;
      case 'ClientLoginRemoved':
        if (next.loginKey) writes.push({ op: 'delete', collection: LOGINS, id: next.loginKey, version: recorded.position });
        return [...writes, { op: 'delete', collection: CLIENT_LOGINS, id: next.id, version }];
      default:
        break;
    }
    return [...writes, { op: 'upsert', collection: CLIENT_LOGINS, doc: next, version }];
  }
}
