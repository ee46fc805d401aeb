import type { ThreadEvent } from '@clientele/messaging/domain';
import { EventCodec, domainEvent } from '@clientele/platform/application';
import type { EventData, RecordedEvent } from '@clientele/platform/event-store';
import type { PersonalDataCipher } from '@clientele/platform/privacy';

/** Message bodies are the client's personal data: sealed with the client's key, shredded with it. */
export class ThreadCodec implements EventCodec<ThreadEvent> {
  constructor(readonly cipher: PersonalDataCipher) {}

  async encode(event: ThreadEvent): Promise<EventData> {
    if (event.type !== 'MessageSent') return { ...event.data };
    const { body, ...rest } = event.data;
    return { ...rest, body: await this.cipher.seal(event.data.clientId, { body }) };
  }

  async decode(recorded: RecordedEvent): Promise<ThreadEvent> {
    if (recorded.type !== 'MessageSent') return domainEvent<ThreadEvent>(recorded);
    const { body, ...data } = recorded.data as Record<string, unknown> & { body: string };
    const opened = await this.cipher.open<{ body: string }>(data.clientId as string, body);
    return { type: 'MessageSent', data: { ...data, body: opened?.body ?? '[erased]' } } as ThreadEvent;
  }
}
