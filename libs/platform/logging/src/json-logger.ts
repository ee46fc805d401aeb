import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { currentCorrelation, traceIdOf } from './correlation';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Keys whose values never reach a log line, at any depth. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|credential|^key$/i;
const REDACTED = '[redacted]';
/** Deeper than this, a value is cut (as pino cuts what it cannot stringify), never written unredacted. */
const MAX_DEPTH = 8;
const CUT = '[...]';

/** Where lines go: stdout by default; tests pass their own. Each line is one `write`. */
export interface LogSink {
  write(line: string): void;
}

/**
 * Structured logs (pino): one JSON object per line with the time (ISO), level (its name), context,
 * message, the correlation id of the work in hand (and its trace id when traces are on), and any fields given. Values under
 * secret-looking keys are redacted, at any depth, before anything is written. Also serves as
 * Nest's logger, with Nest's argument conventions: (message, context), (message, stack, context),
 * and ours, (message, fields).
 *
 * Lines to stdout or stderr are written synchronously (pino's synchronous destination), so the
 * last lines before a process exits, a fatal error's above all, are never lost.
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Logger<never, boolean>;

  constructor(
    level: LogLevel = 'info',
    sink?: LogSink,
    private readonly defaultContext?: string,
    /** A child's: the parent's pino logger, whose level and sink it shares. */
    shared?: Logger<never, boolean>,
  ) {
    this.pino = shared ?? pino(OPTIONS(level), synchronous(sink));
  }

  child(context: string): JsonLogger {
    // The context is a field of each line rather than a pino binding, so that a context given
    // with one call replaces it instead of adding a second "context" key to the line.
    return new JsonLogger(undefined, undefined, context, this.pino);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  info(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  /** Written as an error: log readers (and LOG_LEVEL) know four levels. */
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  setLogLevels(): void {
    // The level comes from LOG_LEVEL only.
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest passes (message, context) or (message, stack, context); we also accept (message, fields).
    let context = this.defaultContext;
    let stack: string | undefined;
    let fields: Record<string, unknown> | undefined;
    for (const arg of rest) {
      if (typeof arg === 'string') {
        if (arg.includes('\n    at ')) stack = arg;
        else context = arg;
      } else if (arg && typeof arg === 'object') {
        fields = { ...fields, ...(arg as Record<string, unknown>) };
      }
    }
    const entry: Record<string, unknown> = {
      ...(context ? { context } : {}),
      ...fields,
      ...(message instanceof Error ? { err: message } : {}),
      ...(message !== null && typeof message === 'object' && !(message instanceof Error) ? { data: message } : {}),
      ...(stack ? { stack } : {}),
    };
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : undefined;
    this.pino[level](entry, text);
  }
}

/**
 * stdout (the default) and stderr are written through their file descriptors, synchronously:
 * `process.stdout` is asynchronous on a pipe or socket, and a process.exit() right after a line
 * lost it (and the lines before it) in a test of this.
 */
function synchronous(sink: LogSink | undefined): LogSink {
  if (sink === undefined || sink === process.stdout) return pino.destination({ dest: 1, sync: true });
  if (sink === process.stderr) return pino.destination({ dest: 2, sync: true });
  return sink;
}

const OPTIONS = (level: LogLevel): pino.LoggerOptions => ({
  level,
  // No pid or hostname: the shape of a line is ours (time, level, context, msg, correlationId, traceId, fields).
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  // Errors are serialized by the redaction, below (with pino's serializer), wherever they are.
  serializers: { err: (value: unknown) => value },
  formatters: {
    level: (label) => ({ level: label }),
    // Every line's fields, the correlation id included, pass through the redaction.
    log: (fields) => redact(fields) as Record<string, unknown>,
  },
  mixin: () => {
    const correlation = currentCorrelation();
    if (!correlation) return {};
    // The trace id when traces are on: a log line leads to its trace, and a trace to its lines.
    return correlation.traceparent ? { correlationId: correlation.correlationId, traceId: traceIdOf(correlation.traceparent) } : { correlationId: correlation.correlationId };
  },
});

/**
 * A copy of `value` with the values of secret-looking keys replaced, at any depth. Errors become
 * pino's serialization of them (type, message, stack with causes, own fields), redacted too.
 */
export function redact(value: unknown, depth = 0): unknown {
  // As text, as before: a JSON number this large would lose digits in most readers.
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (depth > MAX_DEPTH) return CUT;
  if (value instanceof Error) value = pino.stdSerializers.err(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) && inner !== undefined && inner !== null ? REDACTED : redact(inner, depth + 1),
    ]),
  );
}
