import { AppError, ErrorCodes } from '@clientele/platform/core';
import { missingCapabilitySentence, requireCapability } from '@clientele/platform/bus';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate } from 'class-validator';
import { fragmentSentence, humanFieldErrors } from './field-messages';
import { problemOf } from './problem';
import { validationFailed } from './validation';
// Every controller of the gateway, so that every DTO's rules are registered.
import '../gateway.module';

/**
 * Issue 21, item 11: every field message a person can see is a sentence about their situation,
 * never the validator's words. Checked on every DTO of the gateway with empty and invalid bodies.
 */
const DEVELOPER_WORDS = [
  /must be/i,
  /should not/i,
  /or equal to/i,
  /constraint/i,
  /nested/i,
  /property/i,
  /\bstring\b/i,
  /\binteger\b/i,
  /\bboolean\b/i,
  /\barray\b/i,
  /\bobject\b/i,
  /ISO/,
  /UUID/i,
  /regular expression/i,
  /capability/i,
  /\b[a-z]+[A-Z][A-Za-z]*\b/, // camelCase: a property's name
  /\w_\w/, // snake_case: a code
];

/** What is wrong with a message for a person: developer words, or not a sentence. */
function notForPeople(message: string): string[] {
  const problems = DEVELOPER_WORDS.filter((word) => word.test(message)).map(String);
  return /^[A-Z].*[.!?]$/.test(message) ? problems : [...problems, 'not a sentence'];
}

function expectForPeople(where: string, message: string): void {
  expect({ where, message, problems: notForPeople(message) }).toEqual({ where, message, problems: [] });
}

type Constructor = new () => object;

/** The classes class-validator knows rules of: the gateway's DTOs (and their nested bodies). */
function dtoClasses(): Constructor[] {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Constructor, unknown[]> };
  return [...storage.validationMetadatas.keys()].filter((target) => typeof target === 'function');
}

function propertiesOf(target: Constructor): string[] {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Constructor, Array<{ propertyName: string }>> };
  return [...new Set((storage.validationMetadatas.get(target) ?? []).map((m) => m.propertyName))];
}

/** Bodies a person (or a page with a bug) may send: empty, blank, wrong types, too long, an unknown field. */
function badBodies(target: Constructor): Array<[string, Record<string, unknown>]> {
  const properties = propertiesOf(target);
  const every = (value: unknown) => Object.fromEntries(properties.map((p) => [p, value]));
  return [
    ['empty', {}],
    ['blank', every('   ')],
    ['null', every(null)],
    ['numbers', every(12345)],
    ['text', every('not-what-is-expected')],
    ['negative', every(-5)],
    ['huge', every(10_000_000_000)],
    ['long', every('x'.repeat(10_001))],
    ['objects', every({ unexpected: true })],
    ['lists', every(['a', 'a'])],
    ['unknown field', { unexpectedField: 'x' }],
  ];
}

describe('field messages for people (issue 21)', () => {
  it('finds the DTOs of the gateway', () => {
    const names = dtoClasses().map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['CheckoutBody', 'BuyerBody', 'CreateProductBody']));
    expect(names.length).toBeGreaterThan(15);
  });

  it('answers every DTO with empty and invalid bodies in sentences about the person’s situation', async () => {
    let checked = 0;
    const wrong = new Map<string, string>();
    const check = (where: string, message: string) => {
      const problems = notForPeople(message);
      if (problems.length) wrong.set(message, `${where}: ${problems.join(', ')}`);
    };
    for (const target of dtoClasses()) {
      for (const [kind, body] of badBodies(target)) {
        const errors = await validate(plainToInstance(target, body), { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: true } });
        if (errors.length === 0) continue;
        const answered = problemOf(validationFailed(errors));
        for (const { field, message } of answered.errors ?? []) {
          check(`${target.name} ${kind} ${field}`, message);
          checked++;
        }
        check(`${target.name} ${kind} (detail)`, answered.detail);
      }
    }
    expect(Object.fromEntries(wrong)).toEqual({});
    expect(checked).toBeGreaterThan(100);
  });

  it('says what to do: "Enter a first name." for a missing or empty first name, one sentence per field', async () => {
    const { BuyerBody } = await import('../billing/billing.controller');
    for (const body of [{}, { firstName: '' }, { firstName: null }]) {
      const errors = problemOf(validationFailed(await validate(plainToInstance(BuyerBody, { lastName: 'Buyer', email: 'bea@example.com', ...body }), { validationError: { target: false, value: true } }))).errors;
      expect(errors).toEqual([{ field: 'firstName', message: 'Enter a first name.' }]);
    }
    const bad = await validate(plainToInstance(BuyerBody, { firstName: 'x'.repeat(101), lastName: 'Buyer', email: 'nope' }), { validationError: { target: false, value: true } });
    expect(problemOf(validationFailed(bad))).toMatchObject({
      detail: 'Shorten the first name to 100 characters or fewer. Enter an e-mail address such as name@example.com.',
      errors: [
        { field: 'firstName', message: 'Shorten the first name to 100 characters or fewer.' },
        { field: 'email', message: 'Enter an e-mail address such as name@example.com.' },
      ],
    });
  });

  it('words the services’ field fragments as sentences, and keeps those already written for people', () => {
    expect(humanFieldErrors([{ field: 'firstName', message: 'is required' }])).toEqual([{ field: 'firstName', message: 'Enter a first name.' }]);
    expect(fragmentSentence('email', 'must be an e-mail address')).toBe('Enter an e-mail address such as name@example.com.');
    expect(fragmentSentence('type', 'must be one of full_access, full_access_one_way, offline')).toBe('Choose a client type from the list.');
    expect(fragmentSentence('name', 'must be 1 to 200 characters')).toBe('Enter a name of 1 to 200 characters.');
    expect(fragmentSentence('token', 'is not valid')).toBe('This link is not valid or has expired; ask for a new one.');
    expect(fragmentSentence('measuredAt', 'Enter a date after 1900.')).toBe('Enter a date after 1900.');
    const problem = problemOf(new AppError(ErrorCodes.validationFailed, 'Some fields of the bundle are not valid; see errors.', [{ field: 'price.amount', message: 'must be a non-negative integer' }]));
    expect(problem).toMatchObject({ detail: 'Enter the price as a whole number of 0 or more.', errors: [{ field: 'price.amount', message: 'Enter the price as a whole number of 0 or more.' }] });
  });

  it('refuses a missing capability by saying who can do it and whom to ask', () => {
    expect(missingCapabilitySentence('manage_products')).toBe('Only staff who can manage products can create one; ask an administrator.');
    for (const capability of ['create_clients', 'delete_clients', 'manage_products', 'import_clients']) {
      const coach = { id: 'c', role: 'coach' as const, accountId: 'a', capabilities: [] };
      let refused: unknown;
      try {
        requireCapability(coach, capability);
      } catch (error) {
        refused = error;
      }
      expect(refused).toMatchObject({ code: 'forbidden' });
      expectForPeople(capability, (refused as AppError).detail);
      expect((refused as AppError).detail).toMatch(/^Only staff who can .+; ask an administrator\.$/);
    }
  });
});
