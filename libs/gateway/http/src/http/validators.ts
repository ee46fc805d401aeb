import { CURRENCY_PROBLEM, hasControlCharacters, isCurrencyInUse, passwordProblem } from '@clientele/platform/core';
import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';

/**
 * Field rules of the kernel as class-validator decorators. A message starts with the property's
 * name, which validation.ts turns into a field error ({ field, message }).
 */
function rule(name: string, problem: (value: unknown) => string | null, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? String(propertyName)} ${problem(args?.value) ?? 'is not valid'}`,
      },
    });
}

/** A password a person chooses: the policy of passwordProblem (length 10-200, not a common password, not one character repeated). */
export const IsAcceptablePassword = (options?: ValidationOptions) => rule('isAcceptablePassword', passwordProblem, options);

/** A name or other one-line text that reaches a mail subject or header: no CR, LF or other control, no bidi override. */
export const IsPlainText = (options?: ValidationOptions) =>
  rule(
    'isPlainText',
    (value) => (typeof value === 'string' && hasControlCharacters(value) ? 'must not contain line breaks, control characters or text-direction overrides' : null),
    options,
  );

/** An ISO 4217 code of a currency in circulation (not XXX, XTS, XAU, ...). */
export const IsCurrencyInUse = (options?: ValidationOptions) => rule('isCurrencyInUse', (value) => (isCurrencyInUse(value) ? null : CURRENCY_PROBLEM), options);
