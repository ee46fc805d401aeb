import { BillingErrors, PaymentsErrors } from '@clientele/billing/contracts';
import { ClientsErrors } from '@clientele/clients/contracts';
import { IdentityErrors } from '@clientele/identity/contracts';
import { MessagingErrors } from '@clientele/messaging/contracts';
import { NotificationsErrors } from '@clientele/notifications/contracts';
import { AppError, CommonErrorKinds, ErrorKind, FieldError, errorKindsByCode } from '@clientele/platform/core';
import { SchedulingErrors } from '@clientele/scheduling/contracts';
import { fieldErrorsDetail, humanFieldErrors } from './field-messages';
import { GatewayErrors } from './gateway-errors';

/** RFC 9457 problem details, with our stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

/** The only place an error's kind becomes an HTTP status. */
const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  too_many: 429,
  internal: 500,
  unavailable: 503,
};

/** Every catalogue the gateway answers from: the common codes, each service's, the gateway's own. */
export const ERROR_CATALOGUES = [
  CommonErrorKinds,
  IdentityErrors,
  ClientsErrors,
  BillingErrors,
  PaymentsErrors,
  MessagingErrors,
  SchedulingErrors,
  NotificationsErrors,
  GatewayErrors,
] as const;

const KIND_OF_CODE = errorKindsByCode(ERROR_CATALOGUES);

export function kindOf(code: string): ErrorKind | undefined {
  return KIND_OF_CODE.get(code);
}

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

/** A code no catalogue knows still reaches the caller as a 400: a user never sees a 5xx for it. */
export function statusOf(code: string): number {
  const kind = kindOf(code);
  return kind ? STATUS_OF_KIND[kind] : 400;
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

/**
 * An AppError as the caller gets it. Field errors are people's sentences here, whoever raised them
 * (a DTO, a domain rule, a service): "is required" on firstName reads "Enter a first name.".
 */
export function problemOf(error: AppError): Problem {
  if (!error.errors?.length) return problem(error.code, error.detail);
  const errors = humanFieldErrors(error.errors);
  // "see errors" speaks of the document, not to the person: say the fields' sentences instead.
  return problem(error.code, /see errors/.test(error.detail) ? fieldErrorsDetail(errors) : error.detail, errors);
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
