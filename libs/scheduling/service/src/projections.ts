import type { ProjectionSet } from '@clientele/platform/application';
import { PROGRAMS, SESSIONS } from './read-models/documents';
import { SchedulingProjection } from './read-models/scheduling.projection';

/** Sessions (with their payments) and programs: every KPI and chart of the profile is computed from these. */
export const schedulingProjections: ProjectionSet = {
  name: 'scheduling',
  service: 'scheduling',
  collections: [SESSIONS, PROGRAMS],
  processors: (documents) => [new SchedulingProjection(documents)],
};
