import type { OpsCommand } from './ops-command';
import { rebuildCommand } from './rebuild/rebuild.command';
import { verifyCommand } from './verify/verify.command';
import { auditCommand } from './audit/audit.command';
import { deadLettersCommand } from './dead-letters/dead-letters.command';
import { eventsCommand } from './tail/tail.command';

/** Every ops command, in the order `ops help` lists them. */
export const COMMANDS: readonly OpsCommand[] = [
  rebuildCommand,
  verifyCommand,
  auditCommand,
  deadLettersCommand,
  eventsCommand,
];
