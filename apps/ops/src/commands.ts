import type { OpsContext } from './ops-context';
import { rebuildCommand } from './rebuild/rebuild.command';
import { verifyCommand } from './verify/verify.command';
import { auditCommand } from './audit/audit.command';
import { deadLettersCommand } from './dead-letters/dead-letters.command';
import { eventsCommand } from './tail/tail.command';

/** One ops command: `npm run ops -- <name> [args]`. It answers with the process exit code. */
export interface OpsCommand {
  readonly name: string;
  /** One line per usage form, shown by `ops help`. */
  readonly usage: readonly string[];
  run(context: OpsContext, args: readonly string[]): Promise<number>;
}

export const COMMANDS: readonly OpsCommand[] = [
  rebuildCommand,
  verifyCommand,
  auditCommand,
  deadLettersCommand,
  eventsCommand,
];
