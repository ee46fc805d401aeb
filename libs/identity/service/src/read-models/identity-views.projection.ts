import type { AccountEvent, StaffMemberEvent } from '@clientele/identity/domain';
import type { AccountView, StaffMemberView } from '@clientele/identity/contracts';
import { type EventProcessor, domainEvent } from '@clientele/platform/application';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';

export const ACCOUNTS = 'accounts';
export const STAFF = 'staff';
export const LOGINS = 'logins';

/** What login needs, keyed by loginKeyOf(e-mail). Holds the password hash: never returned. */
export interface LoginDoc {
  id: string;
  userId: string;
  accountId: string;
  role: 'admin' | 'coach' | 'client';
  capabilities: string[];
  passwordHash: string;
  email: string;
  firstName: string;
  lastName: string;
  [key: string]: unknown;
}

export type AccountDoc = AccountView & { [key: string]: unknown };
/** `epoch`: the access epoch of the member's tokens (a sign-out or password change ends it). */
export type StaffDoc = StaffMemberView & { lastNameKey: string; firstNameKey: string; epoch?: number; [key: string]: unknown };

/**
 * The identity read models: accounts and staff (the sign-in index: SignInsProjection). Every write is guarded by
 * the event's stream revision (per-document streams), so applying an event twice changes nothing.
 */
export class IdentityViewsProjection implements EventProcessor {
  readonly name = 'identity_views';
  readonly filter = { streamCategories: ['account', 'staff'] };

  /** Reads the staff document to count its access epochs. */
  constructor(private readonly documents: DocumentStore) {}

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = domainEvent<AccountEvent | StaffMemberEvent>(recorded);
    const version = recorded.revision;
    switch (event.type) {
      case 'AccountOpened': {
        const doc: AccountDoc = {
          id: event.data.accountId,
          businessName: event.data.businessName,
          seatLimit: event.data.seatLimit,
          ownerId: event.data.ownerId,
          createdAt: event.data.openedAt,
          version,
        };
        return [{ op: 'upsert', collection: ACCOUNTS, doc, version }];
      }
      case 'AccountSeatLimitChanged':
        return [{ op: 'patch', collection: ACCOUNTS, id: event.data.accountId, set: { seatLimit: event.data.seatLimit, version }, version }];
      case 'AccountRenamed':
        return [{ op: 'patch', collection: ACCOUNTS, id: event.data.accountId, set: { businessName: event.data.businessName, version }, version }];
      case 'StaffMemberRegistered': {
        const d = event.data;
        const staff: StaffDoc = {
          id: d.userId,
          accountId: d.accountId,
          firstName: d.firstName,
          lastName: d.lastName,
          email: d.email,
          role: d.role,
          capabilities: d.capabilities,
          createdAt: d.registeredAt,
          lastNameKey: d.lastName.toLowerCase(),
          firstNameKey: d.firstName.toLowerCase(),
          epoch: 0,
          version,
        };
        return [{ op: 'upsert', collection: STAFF, doc: staff, version }];
      }
      case 'StaffMemberSignedOut':
      case 'StaffPasswordChanged': {
        const current = await this.documents.collection<StaffDoc>(STAFF).get(event.data.userId);
        if (!current || (typeof current.version === 'number' && current.version >= version)) return [];
        return [{ op: 'patch', collection: STAFF, id: event.data.userId, set: { epoch: (current.epoch ?? 0) + 1, version }, version }];
      }
      case 'StaffMemberAccessChanged': {
        // A new role ends the member's tokens too (they carry the old one): the epoch moves on once per event.
        const current = await this.documents.collection<StaffDoc>(STAFF).get(event.data.userId);
        if (!current || (typeof current.version === 'number' && current.version >= version)) return [];
        const set = { role: event.data.role, capabilities: event.data.capabilities, epoch: (current.epoch ?? 0) + 1, version };
        return [{ op: 'patch', collection: STAFF, id: event.data.userId, set, version }];
      }
      case 'StaffMemberRemoved':
        return [{ op: 'delete', collection: STAFF, id: event.data.userId, version }];
      default:
        return [];
    }
  }
}
