import type { ProjectionSet } from '@clientele/platform/application';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { MESSAGES, MessagesProjection } from './read-models/messages.projection';
import { ThreadCodec } from './thread-codec';

/** The threads' messages. (Each client's copy of the messaging policy is written by commands, not replayed.) */
export const messagingProjections: ProjectionSet = {
  name: 'messages',
  service: 'messaging',
  collections: [MESSAGES],
  processors: (documents, keys) => [new MessagesProjection(documents, new ThreadCodec(new PersonalDataCipher(new KeyStore(keys))))],
};
