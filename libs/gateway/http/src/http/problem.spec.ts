import { ErrorCodes } from '@clientele/platform/core';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { GatewayErrors } from './gateway-errors';
import { kindOf, problem, problemOf, statusOf } from './problem';

const ROOT = resolve(__dirname, '../../../../..');

/** Production sources (no specs, no test helpers) under the given folders. */
function sources(...folders: string[]): Array<{ file: string; text: string }> {
  const found: Array<{ file: string; text: string }> = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'testing') walk(path);
      } else if (/\.tsx?$/.test(entry.name) && !/\.spec\.tsx?$/.test(entry.name)) {
        found.push({ file: relative(ROOT, path), text: readFileSync(path, 'utf8') });
      }
    }
  };
  for (const folder of folders) walk(join(ROOT, folder));
  return found;
}

/** Every code a throw site names: ErrorCodes constants, literal codes, and the codes catalogues define. */
function producedCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  const ErrorCodesByName = ErrorCodes as Record<string, string>;
  for (const { file, text } of sources('libs', 'apps')) {
    for (const [, name] of text.matchAll(/\bErrorCodes\.(\w+)/g)) codes.set(ErrorCodesByName[name] ?? `ErrorCodes.${name}`, file);
    for (const [, code] of text.matchAll(/\b(?:new AppError|problem)\(\s*'([^']+)'/g)) codes.set(code, file);
    if (text.includes('defineErrors(')) for (const [, code] of text.matchAll(/\bcode: '([^']+)'/g)) codes.set(code, file);
  }
  return codes;
}

describe('problem details from the error catalogues (issue 20)', () => {
  it('knows the kind of every code the services and the gateway can answer with', () => {
    const produced = producedCodes();
    expect(produced.size).toBeGreaterThan(20);
    const uncatalogued = [...produced].filter(([code]) => kindOf(code) === undefined).map(([code, file]) => `${code} (${file})`);
    expect(uncatalogued).toEqual([]);
    expect(Object.values(ErrorCodes).filter((code) => kindOf(code) === undefined)).toEqual([]);
  });

  it('answers every code of api.md with the status api.md gives it', () => {
    // api.md, "General": the codes used by the whole API and their statuses.
    const apiMd: Record<string, number> = {
      validation_failed: 400,
      unauthorized: 401,
      invalid_credentials: 401,
      forbidden: 403,
      not_found: 404,
      email_taken: 409,
      seat_limit_reached: 409,
      concurrency_conflict: 409,
      offline_no_login: 409,
      messaging_not_allowed: 403,
      idempotency_key_required: 400,
      payload_too_large: 413,
      rate_limited: 429,
      unavailable: 503,
    };
    expect(Object.fromEntries(Object.keys(apiMd).map((code) => [code, statusOf(code)]))).toEqual(apiMd);
  });

  it('keeps the status of every code as the gateway answered it before the catalogues', () => {
    const before: Record<string, number> = {
      validation_failed: 400,
      idempotency_key_required: 400,
      unauthorized: 401,
      invalid_credentials: 401,
      forbidden: 403,
      messaging_not_allowed: 403,
      not_found: 404,
      method_not_allowed: 405,
      email_taken: 409,
      seat_limit_reached: 409,
      concurrency_conflict: 409,
      offline_no_login: 409,
      idempotency_key_reused: 409,
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
      payload_too_large: 413,
      unsupported_media_type: 415,
      rate_limited: 429,
      internal_error: 500,
      unavailable: 503,
    };
    expect(Object.fromEntries(Object.keys(before).map((code) => [code, statusOf(code)]))).toEqual(before);
  });

  it('answers a code no catalogue knows with a 400, never a 5xx', () => {
    expect(problem('something_new', 'Something new went wrong.')).toEqual({
      type: 'https://clientele.dev/problems/something_new',
      title: 'Bad Request',
      status: 400,
      detail: 'Something new went wrong.',
      code: 'something_new',
    });
  });

  it('writes the problem of a catalogued error with its sentence', () => {
    expect(problemOf(GatewayErrors.methodNotAllowed())).toEqual({
      type: 'https://clientele.dev/problems/method_not_allowed',
      title: 'Method Not Allowed',
      status: 405,
      detail: 'This address does not take this method.',
      code: 'method_not_allowed',
    });
  });
});
