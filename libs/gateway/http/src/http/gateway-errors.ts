import { ErrorCodes, defineErrors } from '@clientele/platform/core';

/** What the gateway itself answers with, before any service is asked: HTTP-level mistakes and our own failures. */
export const GatewayErrors = defineErrors({
  noRoute: { code: ErrorCodes.notFound, kind: 'not_found', sentence: 'There is nothing at this address; check the method and the path.' },
  methodNotAllowed: { code: 'method_not_allowed', kind: 'method_not_allowed', sentence: 'This address does not take this method.' },
  unsupportedMediaType: {
    code: 'unsupported_media_type',
    kind: 'unsupported_media_type',
    sentence: 'This content type is not accepted here; send application/json.',
  },
  bodyTooLarge: { code: ErrorCodes.payloadTooLarge, kind: 'too_large', sentence: 'The body is larger than 1 MiB; send less at once.' },
  bodyNotJson: { code: ErrorCodes.validationFailed, kind: 'invalid', sentence: 'The body is not valid JSON.' },
  internal: { code: ErrorCodes.internal, kind: 'internal', sentence: 'Something went wrong on our side; try again, and tell us if it keeps happening.' },
});
