import type { ProjectionSet } from '@clientele/platform/application';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { MESSAGES, MessagesProjection, ThreadCodec } from './messaging';

/** The threads' messages. (Each client's copy of the messaging policy is written by commands, not replayed.) */
export const messagingProjections: ProjectionSet = {
  name: 'messages',
  service: 'messaging',
  collections: [MESSAGES],
  processors: (documents, keys) => [new MessagesProjection(documents, new ThreadCodec(new PersonalDataCipher(new KeyStore(keys))))],
};
