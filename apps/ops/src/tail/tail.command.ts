import type { ServiceName } from '@clientele/platform/config';
import type { RecordedEvent, Subscription } from '@clientele/platform/event-store';
import type { OpsCommand } from '../ops-command';
import { EVENT_SOURCED_SERVICES, OpsContext, UsageError } from '../ops-context';
import { eventTime } from '../audit/describe';

export interface TailOptions {
  services: ServiceName[];
  types?: string[];
  streamPrefix?: string;
  fromStart: boolean;
  json: boolean;
  limit?: number;
}

/**
 * `events tail`: follows the live events of every service's event store (or one), one line per
 * event, until Ctrl-C (or `--limit N` events). Starts at the current end unless `--from-start`.
 * Services are followed side by side: lines of different services interleave as they arrive.
 */
export const eventsCommand: OpsCommand = {
  name: 'events',
  usage: ['events tail [--service S] [--type T[,T]] [--stream PREFIX] [--from-start] [--limit N] [--json]'],
  async run(context, args) {
    const [sub, ...rest] = args;
    if (sub !== 'tail') throw new UsageError(sub === undefined ? 'events needs "tail".' : `Unknown events command "${sub}".`);
    const options = parseTailOptions(rest);
    const stop = new AbortController();
    const onSigint = () => stop.abort();
    process.once('SIGINT', onSigint);
    try {
      await tailEvents(context, options, stop.signal);
    } finally {
      process.off('SIGINT', onSigint);
    }
    return 0;
  },
};

export function parseTailOptions(args: readonly string[]): TailOptions {
  const options: TailOptions = { services: [...EVENT_SOURCED_SERVICES], fromStart: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--from-start') {
      options.fromStart = true;
      continue;
    }
    if (flag === '--json') {
      options.json = true;
      continue;
    }
    const value = args[i + 1];
    if (!flag.startsWith('--')) throw new UsageError(`Unexpected argument "${flag}".`);
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
    i++;
    switch (flag) {
      case '--service':
        if (!(EVENT_SOURCED_SERVICES as readonly string[]).includes(value)) throw new UsageError(`--service must be one of ${EVENT_SOURCED_SERVICES.join(', ')}.`);
        options.services = [value as ServiceName];
        break;
      case '--type':
        options.types = value.split(',').map((t) => t.trim()).filter(Boolean);
        if (options.types.length === 0) throw new UsageError('--type needs at least one event type.');
        break;
      case '--stream':
        options.streamPrefix = value;
        break;
      case '--limit':
        if (!/^[1-9]\d*$/.test(value)) throw new UsageError('--limit must be a positive whole number.');
        options.limit = Number(value);
        break;
      default:
        throw new UsageError(`Unknown option ${flag}.`);
    }
  }
  return options;
}

/** Follows until the signal aborts or `limit` events were printed. */
export async function tailEvents(context: OpsContext, options: TailOptions, signal: AbortSignal): Promise<void> {
  let printed = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  if (signal.aborted) finish();
  signal.addEventListener('abort', () => finish(), { once: true });
  const subscriptions: Subscription[] = [];
  const print = (service: ServiceName, event: RecordedEvent) => {
    if (options.limit !== undefined && printed >= options.limit) return;
    if (options.streamPrefix && !event.streamName.startsWith(options.streamPrefix)) return;
    printed++;
    context.output.out(options.json ? `${JSON.stringify(jsonLine(service, event))}\n` : `${textLine(service, event)}\n`);
    if (options.limit !== undefined && printed >= options.limit) finish();
  };
  try {
    for (const service of options.services) {
      const store = await context.eventStore(service);
      const after = options.fromStart ? undefined : ((await store.headPosition()) ?? undefined);
      const subscription = store.subscribeToAll((event) => print(service, event), {
        after,
        ...(options.types ? { filter: { eventTypes: options.types } } : {}),
      });
      subscription.done.catch((error) => {
        context.output.err(`events tail: ${service} stopped: ${(error as Error)?.message ?? String(error)}\n`);
        finish();
      });
      subscriptions.push(subscription);
    }
    // On stderr in both modes (JSON lines keep stdout to themselves): a script, like a person, can
    // tell when the tail is following, and that an event written from then on will show.
    context.output.err(`Following ${options.services.join(', ')}${options.fromStart ? ' from the start' : ''}; Ctrl-C to stop.\n`);
    await finished;
  } finally {
    await Promise.all(subscriptions.map((s) => s.stop().catch(() => undefined)));
  }
}

function textLine(service: ServiceName, event: RecordedEvent): string {
  const actor = event.metadata.actor ? `${event.metadata.actor.id} (${event.metadata.actor.role})` : '-';
  return [eventTime(event), service.padEnd(9), event.streamName, event.type, actor, `@${event.position}`].join('  ');
}

function jsonLine(service: ServiceName, event: RecordedEvent) {
  return {
    time: eventTime(event),
    service,
    stream: event.streamName,
    type: event.type,
    actor: event.metadata.actor ?? null,
    position: event.position.toString(),
    correlationId: event.metadata.correlationId ?? null,
  };
}
