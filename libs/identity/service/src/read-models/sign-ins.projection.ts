import type { StaffMemberEvent } from '@clientele/identity/domain';
import type { EventProcessor } from '@clientele/platform/application';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import type { ClientLoginCodec } from '../client-access/client-login-codec';
import { loginKeyOf } from '../streams';
import { LOGINS, LoginDoc } from './identity-views.projection';

/**
 * The sign-in index (`logins`, keyed by loginKeyOf the address: no address in an id or a tombstone), for staff and clients alike. One
 * projection keeps it, in the order of the events, so an address given up by one login (a removed
 * staff member, a deleted client, a client who moved) and claimed later by another is written in
 * that order, even on a rebuild. A change to a login touches the entry only while the entry is
 * that login's: nothing ever overwrites or deletes another person's sign-in.
 */
export const SIGN_IN_INDEXES = [{ fields: [['userId', 1]] as const }];

export class SignInsProjection implements EventProcessor {
  readonly name = 'identity_sign_ins';
  readonly filter = { streamCategories: ['staff', 'clientlogin'] };

  constructor(
    private readonly documents: DocumentStore,
    private readonly codec: ClientLoginCodec,
  ) {}

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const version = recorded.position;
    if (recorded.streamName.startsWith('staff-')) return this.staff(recorded.data as StaffMemberEvent['data'], recorded.type as StaffMemberEvent['type'], version);
    const event = await this.codec.decode(recorded);
    switch (event.type) {
      case 'ClientInvitationAccepted': {
        // Erased since (a rebuild after the client was deleted): their sign-in is gone with them.
        if (!event.data.email) return [];
        const login: LoginDoc = {
          id: loginKeyOf(event.data.email),
          userId: event.data.clientId,
          accountId: event.data.accountId,
          role: 'client',
          capabilities: [],
          passwordHash: event.data.passwordHash,
          email: event.data.email,
          firstName: event.data.firstName,
          lastName: event.data.lastName,
        };
        return this.claim(login, version);
      }
      case 'ClientSignInEmailChanged': {
        if (!event.data.email || !event.data.previousEmail) return [];
        const previous = await this.own(loginKeyOf(event.data.previousEmail), event.data.clientId);
        if (!previous) return [];
        const moved: LoginDoc = { ...previous, id: loginKeyOf(event.data.email), email: event.data.email };
        return [{ op: 'delete', collection: LOGINS, id: previous.id, version }, ...(await this.claim(moved, version))];
      }
      case 'ClientPasswordChanged': {
        const login = await this.ownByUser(event.data.clientId);
        return login ? [{ op: 'patch', collection: LOGINS, id: login.id, set: { passwordHash: event.data.passwordHash }, version }] : [];
      }
      case 'ClientLoginRemoved': {
        const login = await this.ownByUser(event.data.clientId);
        return login ? [{ op: 'delete', collection: LOGINS, id: login.id, version }] : [];
      }
      default:
        return [];
    }
  }

  private async staff(data: StaffMemberEvent['data'], type: StaffMemberEvent['type'], version: number | bigint): Promise<WriteOp[]> {
    switch (type) {
      case 'StaffMemberRegistered': {
        const d = data as Extract<StaffMemberEvent, { type: 'StaffMemberRegistered' }>['data'];
        const login: LoginDoc = {
          id: loginKeyOf(d.email),
          userId: d.userId,
          accountId: d.accountId,
          role: d.role,
          capabilities: d.capabilities,
          passwordHash: d.passwordHash,
          email: d.email,
          firstName: d.firstName,
          lastName: d.lastName,
        };
        return this.claim(login, version);
      }
      case 'StaffPasswordChanged': {
        const d = data as Extract<StaffMemberEvent, { type: 'StaffPasswordChanged' }>['data'];
        const login = await this.ownByUser(d.userId);
        return login ? [{ op: 'patch', collection: LOGINS, id: login.id, set: { passwordHash: d.passwordHash }, version }] : [];
      }
      case 'StaffMemberAccessChanged': {
        // The next sign-in's token carries the new role and capabilities.
        const d = data as Extract<StaffMemberEvent, { type: 'StaffMemberAccessChanged' }>['data'];
        const login = await this.ownByUser(d.userId);
        return login ? [{ op: 'patch', collection: LOGINS, id: login.id, set: { role: d.role, capabilities: d.capabilities }, version }] : [];
      }
      case 'StaffMemberRemoved': {
        const d = data as Extract<StaffMemberEvent, { type: 'StaffMemberRemoved' }>['data'];
        const login = await this.own(loginKeyOf(d.email), d.userId);
        return login ? [{ op: 'delete', collection: LOGINS, id: login.id, version }] : [];
      }
      default:
        return [];
    }
  }

  /**
   * Writes an entry unless the address is another login's: the first holder keeps it, as in the
   * sign-in registry. (Only history recorded before the registry can hold a second claim.)
   */
  private async claim(login: LoginDoc, version: number | bigint): Promise<WriteOp[]> {
    const current = await this.documents.collection<LoginDoc>(LOGINS).get(login.id);
    if (current && current.userId !== login.userId) return [];
    return [{ op: 'upsert', collection: LOGINS, doc: login, version }];
  }

  /** The entry at this address, if it is this user's. */
  private async own(loginKey: string, userId: string): Promise<LoginDoc | null> {
    const login = await this.documents.collection<LoginDoc>(LOGINS).get(loginKey);
    return login && login.userId === userId ? login : null;
  }

  /** The user's entry, wherever it is. */
  private async ownByUser(userId: string): Promise<LoginDoc | null> {
    const [found] = await this.documents.collection<LoginDoc>(LOGINS).find({ userId }, { limit: 1 });
    return found ?? null;
  }
}
