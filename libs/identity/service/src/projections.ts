import type { ProjectionSet } from '@clientele/platform/application';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { ClientLoginCodec } from './client-access/client-login-codec';
import { CLIENT_LOGINS, ClientLoginsProjection } from './client-access/client-logins.projection';
import { ACCOUNTS, IdentityViewsProjection, LOGINS, STAFF } from './read-models/identity-views.projection';

/** Both identity projections write `logins` (staff and client sign-ins), so they rebuild together. */
export const identityProjections: ProjectionSet = {
  name: 'identity',
  service: 'identity',
  collections: [ACCOUNTS, STAFF, LOGINS, CLIENT_LOGINS],
  processors: (documents, live) => [
    new IdentityViewsProjection(),
    new ClientLoginsProjection(documents, new ClientLoginCodec(new PersonalDataCipher(new KeyStore(live)))),
  ],
};
