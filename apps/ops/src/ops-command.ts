import { UsageError, type OpsContext } from './ops-context';

/**
 * One ops command: `npm run ops -- <name> [args]`. It answers with the process exit code. Each
 * command's folder imports this file, and commands.ts lists the commands: the list depends on the
 * commands, never the other way round.
 */
export interface OpsCommand {
  readonly name: string;
  /** One line per usage form, shown by `ops help`. */
  readonly usage: readonly string[];
  run(context: OpsContext, args: readonly string[]): Promise<number>;
}

/** Refuses any argument but the `allowed` flags and the `withValue` flags, each followed by its value. */
export function checkFlags(args: readonly string[], allowed: readonly string[], withValue: readonly string[] = []): void {
  for (let i = 0; i < args.length; i++) {
    if (withValue.includes(args[i])) {
      i++;
      continue;
    }
    if (!allowed.includes(args[i])) throw new UsageError(`Unknown argument "${args[i]}".`);
  }
}
