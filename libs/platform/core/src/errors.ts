/**
 * Errors that cross a boundary (bus reply, HTTP answer) carry a stable machine-readable `code`
 * and a sentence a person can act on. Each code has a kind (error-catalogue.ts: the common codes
 * below, and each service's catalogue in its contracts); the gateway maps kinds to HTTP statuses,
 * services never think in HTTP.
 */
export const ErrorCodes = {
  validationFailed: 'validation_failed',
  unauthorized: 'unauthorized',
  invalidCredentials: 'invalid_credentials',
  forbidden: 'forbidden',
  notFound: 'not_found',
  emailTaken: 'email_taken',
  seatLimitReached: 'seat_limit_reached',
  concurrencyConflict: 'concurrency_conflict',
  offlineNoLogin: 'offline_no_login',
  messagingNotAllowed: 'messaging_not_allowed',
  idempotencyKeyRequired: 'idempotency_key_required',
  idempotencyKeyReused: 'idempotency_key_reused',
  payloadTooLarge: 'payload_too_large',
  rateLimited: 'rate_limited',
  unavailable: 'unavailable',
  internal: 'internal_error',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | (string & {});

export interface FieldError {
  field: string;
  message: string;
}

/** The serialisable shape of an error, as it travels in a bus reply. */
export interface ErrorPayload {
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
}

/** An error the caller caused or can act on: never a 5xx. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'AppError';
  }

  toPayload(): ErrorPayload {
    return this.errors ? { code: this.code, detail: this.detail, errors: this.errors } : { code: this.code, detail: this.detail };
  }

  static fromPayload(payload: ErrorPayload): AppError {
    return new AppError(payload.code, payload.detail, payload.errors);
  }
}

/** A downstream service or store did not answer in time. Safe to retry. */
export class UnavailableError extends AppError {
  constructor(detail: string) {
    super(ErrorCodes.unavailable, detail);
    this.name = 'UnavailableError';
  }
}

export function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorPayload).code === 'string' &&
    typeof (value as ErrorPayload).detail === 'string'
  );
}
