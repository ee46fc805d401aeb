import { AppError, ErrorCodes, UnavailableError, isErrorPayload } from '@clientele/platform/core';
import { ClientProxy } from '@nestjs/microservices';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants';
import { TimeoutError, lastValueFrom, timeout } from 'rxjs';
import type { RequestClient, RequestOptions } from '../bus.port';
import { withTraceparent } from './envelope';

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** How a request ended, for metrics: answered, refused by its handler (an AppError), or unavailable. */
export type RequestOutcome = 'ok' | 'error' | 'unavailable';

/** Told of every request once it ended (metrics): its subject, outcome and duration in seconds. Must be cheap. */
export type RequestObserver = (subject: string, outcome: RequestOutcome, seconds: number) => void;

/** What we use of a Nest ClientProxy; structural, because each transport types its events differently. */
export type AnyClientProxy = Pick<ClientProxy, 'send' | 'connect' | 'close'>;

/**
 * RequestClient over any Nest ClientProxy (in-process or NATS). Every failure the caller cannot
 * fix (no answer in time, no responder, a broken connection) becomes `unavailable`; an AppError
 * thrown by the handler comes back as the same AppError.
 */
export class ClientProxyRequestClient implements RequestClient {
  constructor(
    private readonly proxy: AnyClientProxy,
    private readonly defaultTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    private readonly observe?: RequestObserver,
  ) {}

  async request<TResult = unknown>(subject: string, payload: unknown, options: RequestOptions = {}): Promise<TResult> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const started = this.observe ? performance.now() : 0;
    try {
      const answer = await lastValueFrom(this.proxy.send<TResult>(subject, withTraceparent(payload ?? {})).pipe(timeout(timeoutMs)), {
        defaultValue: undefined as TResult,
      });
      this.observe?.(subject, 'ok', (performance.now() - started) / 1000);
      return answer;
    } catch (error) {
      const failure = toRequestError(subject, timeoutMs, error);
      this.observe?.(subject, failure.code === ErrorCodes.unavailable ? 'unavailable' : 'error', (performance.now() - started) / 1000);
      throw failure;
    }
  }
}

function toRequestError(subject: string, timeoutMs: number, error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isErrorPayload(error)) return AppError.fromPayload(error);
  const service = subject.split('.')[0];
  if (error instanceof TimeoutError) {
    return new UnavailableError(`The ${service} service did not answer within ${timeoutMs} ms; try again shortly.`);
  }
  if (error === NO_MESSAGE_HANDLER) {
    return new UnavailableError(`No ${service} service is running to handle ${subject}; try again shortly.`);
  }
  return new UnavailableError(`The ${service} service could not be reached; try again shortly.`);
}

