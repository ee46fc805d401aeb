import type { ProjectionSet } from '@clientele/platform/application';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { CalendarCodec } from './calendar-codec';
import { PROGRAMS, SESSIONS } from './read-models/documents';
import { SchedulingProjection } from './read-models/scheduling.projection';

/** Sessions (with their payments) and programs: every KPI and chart of the profile is computed from these. */
export const schedulingProjections: ProjectionSet = {
  name: 'scheduling',
  service: 'scheduling',
  collections: [SESSIONS, PROGRAMS],
  // The clients' keys are in the live store (a rebuild into a scratch store opens with them).
  processors: (documents, keys) => [new SchedulingProjection(documents, new CalendarCodec(new PersonalDataCipher(new KeyStore(keys))))],
};
