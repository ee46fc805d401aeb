import type { ProjectionSet } from '@clientele/platform/application';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { ClientEventCodec } from './personal-data';
import { CLIENTS } from './read-models/client-doc';
import { CLIENT_NOTES, CLIENT_PURCHASES, ClientsProjection } from './read-models/clients.projection';
import { SESSION_LINKS } from './read-models/session-links';
import { SessionLinksProjection } from './read-models/session-links.projection';

export const clientsProjections: ProjectionSet = {
  name: 'clients',
  service: 'clients',
  collections: [CLIENTS, CLIENT_PURCHASES, CLIENT_NOTES, SESSION_LINKS],
  processors: (documents, keys) => [new ClientsProjection(documents, new ClientEventCodec(new PersonalDataCipher(new KeyStore(keys)))), new SessionLinksProjection()],
};
