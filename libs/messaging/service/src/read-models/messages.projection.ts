import type { Message } from '@clientele/messaging/contracts';
import type { EventProcessor } from '@clientele/platform/application';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import type { ThreadCodec } from '../thread-codec';

export const MESSAGES = 'messages';

export type MessageDoc = Message & { clientId: string; accountId: string; senderId: string; [key: string]: unknown };

/** The threads' read model: messages in order, gone when the thread closes. */
export class MessagesProjection implements EventProcessor {
  readonly name = 'messaging_messages';
  readonly filter = { streamCategories: ['thread'] };

  constructor(
    private readonly documents: DocumentStore,
    private readonly codec: ThreadCodec,
  ) {}

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = await this.codec.decode(recorded);
    if (event.type === 'MessageSent') {
      const { messageId, clientId, accountId, from, senderId, body, sentAt } = event.data;
      const doc: MessageDoc = { id: messageId, clientId, accountId, from, senderId, body, sentAt, position: recorded.position.toString().padStart(40, '0') };
      return [{ op: 'upsert', collection: MESSAGES, doc, version: recorded.revision }];
    }
    const messages = await this.documents.collection<MessageDoc>(MESSAGES).find({ clientId: event.data.clientId });
    return messages.map((m) => ({ op: 'delete' as const, collection: MESSAGES, id: m.id, version: Number.MAX_SAFE_INTEGER }));
  }
}
