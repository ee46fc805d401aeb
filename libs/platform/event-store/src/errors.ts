import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { ExpectedRevision, StreamRevision } from './event-store.port';

/**
 * The stream was not at the revision the writer expected: someone else appended meanwhile.
 * Command handlers reload and decide again a bounded number of times before giving up.
 */
export class WrongExpectedRevisionError extends AppError {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: StreamRevision | 'no_stream',
  ) {
    super(
      ErrorCodes.concurrencyConflict,
      `${streamName} changed meanwhile (expected ${String(expected)}, found ${String(actual)}); reload it and try again.`,
    );
    this.name = 'WrongExpectedRevisionError';
  }
}

export function isWrongExpectedRevision(error: unknown): error is WrongExpectedRevisionError {
  return error instanceof WrongExpectedRevisionError;
}
