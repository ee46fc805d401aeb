import { ErrorCodes, FieldError } from '@clientele/platform/core';

/** RFC 9457 problem details, with our stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

const STATUS: Record<string, number> = {
  [ErrorCodes.validationFailed]: 400,
  [ErrorCodes.idempotencyKeyRequired]: 400,
  [ErrorCodes.unauthorized]: 401,
  [ErrorCodes.invalidCredentials]: 401,
  [ErrorCodes.forbidden]: 403,
  [ErrorCodes.messagingNotAllowed]: 403,
  [ErrorCodes.notFound]: 404,
  method_not_allowed: 405,
  [ErrorCodes.emailTaken]: 409,
  [ErrorCodes.seatLimitReached]: 409,
  [ErrorCodes.concurrencyConflict]: 409,
  [ErrorCodes.offlineNoLogin]: 409,
  [ErrorCodes.idempotencyKeyReused]: 409,
  owner_not_removable: 409,
  staff_has_clients: 409,
  product_archived: 409,
  coach_double_booked: 409,
  session_not_found: 404,
  program_not_found: 404,
  session_covered_by_bundle: 409,
  session_not_scheduled: 409,
  session_not_started: 409,
  payment_already_recorded: 409,
  payment_not_refundable: 409,
  nothing_to_pay: 409,
  [ErrorCodes.payloadTooLarge]: 413,
  unsupported_media_type: 415,
  [ErrorCodes.rateLimited]: 429,
  [ErrorCodes.internal]: 500,
  [ErrorCodes.unavailable]: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A code the gateway does not know still reaches the caller as a 400: a user never sees a 5xx for it. */
export function statusOf(code: string): number {
  return STATUS[code] ?? 400;
}

export function problem(code: string, detail: string, errors?: FieldError[]): Problem {
  const status = statusOf(code);
  return {
    type: `https://clientele.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length ? { errors } : {}),
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
