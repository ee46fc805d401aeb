import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import { currentCorrelation } from './correlation';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys whose values never reach a log line, at any depth. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|credential|^key$/i;
const REDACTED = '[redacted]';

export interface LogSink {
  write(line: string): void;
}

/**
 * Structured logs: one JSON object per line on stdout, with the time, level, context, message,
 * the correlation id of the work in hand, and any fields given. Secret-looking fields are
 * redacted before anything is written. Also serves as Nest's logger.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly sink: LogSink = process.stdout,
    private readonly defaultContext?: string,
  ) {}

  child(context: string): JsonLogger {
    return new JsonLogger(this.level, this.sink, context);
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

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  setLogLevels?(_levels: NestLogLevel[]): void {
    // The level comes from LOG_LEVEL only.
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (ORDER[level] < ORDER[this.level]) return;
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
    const correlation = currentCorrelation();
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      ...(context ? { context } : {}),
      msg: message instanceof Error ? message.message : typeof message === 'string' ? message : undefined,
      ...(correlation ? { correlationId: correlation.correlationId } : {}),
      ...(fields ? (redact(fields) as Record<string, unknown>) : {}),
      ...(message instanceof Error ? { err: { name: message.name, stack: message.stack } } : {}),
      ...(message !== null && typeof message === 'object' && !(message instanceof Error) ? { data: redact(message) } : {}),
      ...(stack ? { stack } : {}),
    };
    this.sink.write(`${JSON.stringify(entry, bigintSafe)}\n`);
  }
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) && inner !== undefined && inner !== null ? REDACTED : redact(inner, depth + 1),
    ]),
  );
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
