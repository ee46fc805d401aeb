import { AppError, ErrorCodes } from '@clientele/platform/core';

/** 429 rate_limited; the problem filter answers `retryAfterSeconds` as the Retry-After header. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    detail: (seconds: number) => string,
  ) {
    super(ErrorCodes.rateLimited, detail(retryAfterSeconds));
  }
}

export const secondsPhrase = (seconds: number) => (seconds === 1 ? '1 second' : `${seconds} seconds`);
