import type { DeadLetter } from '@clientele/platform/bus';
import type { OpsCommand } from '../ops-command';
import { toTable } from '../audit/format';
import { UsageError } from '../ops-context';

/**
 * `dead-letters list|retry|discard`: integration events (and mails) that a durable consumer gave up
 * on. `retry` hands a letter back to the one consumer it died in (running now or at its next
 * start), never re-publishes it; `discard` drops it for good.
 */
export const deadLettersCommand: OpsCommand = {
  name: 'dead-letters',
  usage: [
    'dead-letters list [--consumer NAME] [--json]',
    'dead-letters retry <id>|--all [--consumer NAME]',
    'dead-letters discard <id>|--all [--consumer NAME]',
  ],
  async run(context, args) {
    const [action, ...rest] = args;
    const options = parseOptions(rest);
    const letters = (await context.eventBus()).deadLetters;
    if (action === 'list') {
      if (options.id !== undefined || options.all) throw new UsageError('dead-letters list takes no id and no --all.');
      const found = await letters.list(options.consumer);
      context.output.out(options.json ? `${JSON.stringify(found, null, 2)}\n` : listing(found));
      return 0;
    }
    if (action !== 'retry' && action !== 'discard') {
      throw new UsageError(action === undefined ? 'dead-letters needs list, retry or discard.' : `Unknown dead-letters action "${action}".`);
    }
    if (options.json) throw new UsageError('--json is for dead-letters list.');
    if ((options.id === undefined) === !options.all) throw new UsageError(`dead-letters ${action} takes one letter id, or --all.`);
    if (options.id !== undefined && options.consumer !== undefined) throw new UsageError('--consumer goes with --all.');
    const ids = options.all ? (await letters.list(options.consumer)).map((l) => l.id) : [options.id!];
    let done = 0;
    let missing = 0;
    for (const id of ids) {
      if (action === 'retry') {
        if (await letters.retry(id)) done++;
        else {
          missing++;
          context.output.err(`No dead letter ${id}.\n`);
        }
      } else {
        if (!options.all && !(await letters.list()).some((l) => l.id === id)) {
          missing++;
          context.output.err(`No dead letter ${id}.\n`);
          continue;
        }
        await letters.discard(id);
        done++;
      }
    }
    const verb = action === 'retry' ? 'handed back to its consumer' : 'discarded';
    context.output.err(`${done} dead letter(s) ${verb}.\n`);
    return missing > 0 ? 1 : 0;
  },
};

interface Options {
  id?: string;
  all: boolean;
  consumer?: string;
  json: boolean;
}

function parseOptions(args: readonly string[]): Options {
  const options: Options = { all: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--all') options.all = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--consumer') {
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError('--consumer needs a durable consumer name.');
      options.consumer = value;
    } else if (arg.startsWith('--')) throw new UsageError(`Unknown option ${arg}.`);
    else if (options.id !== undefined) throw new UsageError('One letter id at a time (or --all).');
    else options.id = arg;
  }
  return options;
}

function listing(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return 'No dead letters.\n';
  return toTable(
    ['ID', 'CONSUMER', 'SUBJECT', 'DELIVERIES', 'DEAD AT', 'ERROR'],
    letters.map((l) => [l.id, l.durableName, l.event.subject, String(l.deliveries), l.deadAt, l.error.replace(/\s+/g, ' ')]),
  );
}
