import type { ClientLoginEvent } from '@clientele/identity/domain';
import type { EventCodec } from '@clientele/platform/application';
import type { EventData, RecordedEvent } from '@clientele/platform/event-store';
import type { PersonalDataCipher } from '@clientele/platform/privacy';

/** The fields of each client-login event that are the client's personal data. */
const PERSONAL_FIELDS: Partial<Record<ClientLoginEvent['type'], readonly string[]>> = {
  ClientInvitationIssued: ['email'],
  ClientInvitationAccepted: ['email', 'firstName', 'lastName'],
  ClientEmailChangeRequested: ['email', 'previousEmail'],
  ClientEmailChangeNoticeSent: ['email'],
  ClientSignInEmailChanged: ['email', 'previousEmail'],
};

/**
 * The client's addresses and name, kept by identity, are sealed with the client's key here too,
 * so deleting the client (shredding the key) makes them unreadable in every copy of the events.
 * Once erased, an address reads as '' and a name as '[erased]'.
 */
export class ClientLoginCodec implements EventCodec<ClientLoginEvent> {
  constructor(private readonly cipher: PersonalDataCipher) {}

  async encode(event: ClientLoginEvent): Promise<EventData> {
    const fields = PERSONAL_FIELDS[event.type];
    if (!fields) return { ...event.data };
    const data = { ...(event.data as Record<string, unknown>) };
    const personal: Record<string, unknown> = {};
    for (const field of fields) {
      if (data[field] === undefined) continue;
      personal[field] = data[field];
      delete data[field];
    }
    return { ...data, personal: await this.cipher.seal(event.data.clientId, personal) };
  }

  async decode(recorded: RecordedEvent): Promise<ClientLoginEvent> {
    const { personal, ...data } = recorded.data as Record<string, unknown> & { personal?: string };
    if (typeof personal !== 'string') return { type: recorded.type, data } as unknown as ClientLoginEvent;
    const opened = await this.cipher.open<Record<string, string>>(data.clientId as string, personal);
    return { type: recorded.type, data: { ...data, ...(opened ?? erased(recorded.type)) } } as unknown as ClientLoginEvent;
  }
}

function erased(type: string): Record<string, string> {
  const fields = PERSONAL_FIELDS[type as ClientLoginEvent['type']] ?? [];
  return Object.fromEntries(fields.map((field) => [field, field.endsWith('Name') ? '[erased]' : '']));
}
