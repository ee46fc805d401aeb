import { AppError, ErrorCodes, FieldError } from '@clientele/platform/core';
import { ValidationError, ValidationPipe } from '@nestjs/common';
import { constraintSentence, fieldErrorsDetail } from './field-messages';

/** Whitelist, refuse unknown fields, transform to the DTO types; every problem as a field error a person can act on. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // The value is kept on the error to tell a missing field from a wrong one; it never reaches the answer.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => validationFailed(errors),
  });
}

export function validationFailed(errors: ValidationError[]): AppError {
  const fieldErrors = flatten(errors);
  return new AppError(ErrorCodes.validationFailed, fieldErrorsDetail(fieldErrors), fieldErrors);
}

/**
 * Which of a field's failed constraints to tell: the first of these, so that a number sent for a
 * name says "as text" rather than something about its length.
 */
const FIRST = ['whitelistValidation', 'isDefined', 'isNotEmpty', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isIn', 'isEnum', 'isUUID', 'isUuid', 'isEmail', 'isISO8601', 'isIso8601', 'isArray', 'nestedValidation'];

const isEmpty = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** One sentence per field (class-validator reports every failed constraint). */
function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    const told = FIRST.map((first) => constraints.find(([name]) => name === first)).find((found) => found !== undefined) ?? constraints[0];
    const own = told ? [{ field, message: constraintSentence(field, told[0], told[1], isEmpty(error.value)) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
