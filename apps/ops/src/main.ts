/**
 * The operations tool: `npm run ops -- <command>`. It uses the services' own configuration
 * (environment variables: the data folder, or EventStoreDB/MongoDB/NATS by URL), so it works on
 * whatever the services run on. Exit codes: 0 done, 1 found a problem (verify differences, a
 * failed step), 2 the tool was called wrongly.
 */
import { COMMANDS } from './commands';
import { OpsContext, UsageError, processOutput } from './ops-context';

export async function runOps(argv: readonly string[], makeContext: (operator?: string) => OpsContext): Promise<number> {
  const args = [...argv];
  const operatorAt = args.indexOf('--operator');
  const operator = operatorAt >= 0 ? args.splice(operatorAt, 2)[1] : undefined;
  const [name, ...rest] = args;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const lines = COMMANDS.flatMap((c) => c.usage.map((u) => `  ops ${u}`));
    const known = name === undefined || name === 'help' || name === '--help';
    processOutput.err(`${known ? '' : `Unknown command "${name}".\n`}Usage (npm run ops -- <command>):\n${lines.join('\n')}\n  (any command) --operator NAME   who is running it, recorded with audit runs (default: the login name)\n`);
    return known ? 0 : 2;
  }
  let context: OpsContext | null = null;
  try {
    context = makeContext(operator);
    return await command.run(context, rest);
  } catch (error) {
    // Where the command's own notes go (the caller's output, not necessarily this process's stderr).
    const output = context?.output ?? processOutput;
    if (error instanceof UsageError) {
      output.err(`${error.message}\nUsage:\n${command.usage.map((u) => `  ops ${u}`).join('\n')}\n`);
      return 2;
    }
    output.err(`ops ${name} failed: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  } finally {
    await context?.close();
  }
}

if (require.main === module) {
  runOps(process.argv.slice(2), (operator) => OpsContext.fromEnvironment(undefined, operator)).then(
    (code) => process.exit(code),
    (error) => {
      processOutput.err(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
