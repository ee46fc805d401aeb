import type { ProjectionSet } from '@clientele/platform/application';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { ClientLoginCodec } from './client-access/client-login-codec';
import { CLIENT_LOGINS, ClientLoginsProjection } from './read-models/client-logins.projection';
import { ACCOUNTS, IdentityViewsProjection, LOGINS, STAFF } from './read-models/identity-views.projection';
import { SignInsProjection } from './read-models/sign-ins.projection';

/** The identity read models rebuild together: the sign-in index follows both staff and client logins. */
export const identityProjections: ProjectionSet = {
  name: 'identity',
  service: 'identity',
  collections: [ACCOUNTS, STAFF, LOGINS, CLIENT_LOGINS],
  processors: (documents, keys) => {
    const codec = new ClientLoginCodec(new PersonalDataCipher(new KeyStore(keys)));
    return [new IdentityViewsProjection(documents), new ClientLoginsProjection(documents, codec), new SignInsProjection(documents, codec)];
  },
};
