import type { ProjectionSet } from '@clientele/platform/application';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { ClientEventCodec } from './personal-data';
import { MeasurementEventCodec } from './measurement-data';
import { CLIENT_MEASUREMENTS, MeasurementsProjection } from './read-models/measurements.projection';
import { CLIENTS } from './read-models/client-doc';
import { CLIENT_NOTES, CLIENT_PURCHASES, ClientsProjection } from './read-models/clients.projection';
import { SESSION_LINKS } from './read-models/session-links';
import { SessionLinksProjection } from './read-models/session-links.projection';

export const clientsProjections: ProjectionSet = {
  name: 'clients',
  service: 'clients',
  collections: [CLIENTS, CLIENT_PURCHASES, CLIENT_NOTES, SESSION_LINKS, CLIENT_MEASUREMENTS],
  processors: (documents, keys) => {
    const cipher = new PersonalDataCipher(new KeyStore(keys));
    const codec = new ClientEventCodec(cipher);
    return [new ClientsProjection(documents, codec), new SessionLinksProjection(), new MeasurementsProjection(documents, new MeasurementEventCodec(codec, cipher))];
  },
};
