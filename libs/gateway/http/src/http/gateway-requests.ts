import type { RequestActor, RequestClient, RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';

/** Sends a request to a service with the actor from the token and the request's correlation id. */
export function send<Result>(
  requests: RequestClient,
  subject: string,
  envelope: Omit<RequestEnvelope<unknown>, 'actor'> & { actor?: RequestActor },
  options?: { timeoutMs?: number },
): Promise<Result> {
  return requests.request<Result>(subject, envelope, options);
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** An Idempotency-Key header, when given, must be 1-200 visible ASCII characters. */
export function idempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw new AppError(ErrorCodes.validationFailed, 'The Idempotency-Key header must be 1 to 200 visible ASCII characters.', [
      { field: 'Idempotency-Key', message: 'must be 1 to 200 visible ASCII characters' },
    ]);
  }
  return value;
}
