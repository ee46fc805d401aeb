import { AppError, ErrorCodes, FieldError } from '@clientele/platform/core';
import { ValidationError, ValidationPipe } from '@nestjs/common';

/** Whitelist, refuse unknown fields, transform to the DTO types; every problem as a field error. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new AppError(ErrorCodes.validationFailed, 'Some fields are missing or not valid; see errors.', flatten(errors)),
  });
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: message.replace(/^\S+ /, '') }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
