import type { Figure } from './figures';
import type { RunningSystem } from './system';

export interface ScenarioContext {
  quick: boolean;
  /** A temp dir for this scenario's files, on the same file system as the servers' data. */
  dir: string;
  log(line: string): void;
  /** The embedded deployment, started on first use and shared by the scenarios that need it. */
  embedded(): Promise<RunningSystem>;
  distributed(): Promise<RunningSystem>;
}

export interface Scenario {
  /** What `--only` takes. */
  name: string;
  /** One line: what is measured, and against what. */
  title: string;
  needs?: 'embedded' | 'distributed';
  /** Not part of a plain `npm run bench` (only with --only). */
  optional?: boolean;
  run(context: ScenarioContext): Promise<Figure[]>;
}
