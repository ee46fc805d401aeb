import type { ClientLoginEvent } from '@clientele/identity/domain';
import type { EventCodec } from '@clientele/platform/application';
import type { EventData, RecordedEvent } from '@clientele/platform/event-store';
import type { PersonalDataCipher } from '@clientele/platform/privacy';

/** The client's address and name, kept by identity once they accept, are sealed with the client's key here too. */
export class ClientLoginCodec implements EventCodec<ClientLoginEvent> {
  constructor(private readonly cipher: PersonalDataCipher) {}

  async encode(event: ClientLoginEvent): Promise<EventData> {
    if (event.type !== 'ClientInvitationAccepted') return { ...event.data };
    const { email, firstName, lastName, ...rest } = event.data;
    return { ...rest, personal: await this.cipher.seal(event.data.clientId, { email, firstName, lastName }) };
  }

  async decode(recorded: RecordedEvent): Promise<ClientLoginEvent> {
    const { personal, ...data } = recorded.data as Record<string, unknown> & { personal?: string };
    if (typeof personal !== 'string') return { type: recorded.type, data } as unknown as ClientLoginEvent;
    const opened = await this.cipher.open<Record<string, string>>(data.clientId as string, personal);
    return { type: recorded.type, data: { ...data, ...(opened ?? { email: '', firstName: '[erased]', lastName: '[erased]' }) } } as unknown as ClientLoginEvent;
  }
}
