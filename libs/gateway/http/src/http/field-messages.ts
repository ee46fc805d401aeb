import type { FieldError } from '@clientele/platform/core';

/**
 * Field problems as a person reads them: a sentence about their situation ("Enter a first name."),
 * never the validator's words ("must be longer than or equal to 1 characters"). The body's
 * validation (class-validator) and the services' field errors both come through here, so a DTO or
 * a domain rule never has to word its messages for people.
 */

/** What a field is called in a sentence, with its article: "a first name", "an e-mail address". */
const NOUNS: Record<string, [article: string, noun: string]> = {
  firstName: ['a', 'first name'],
  lastName: ['a', 'last name'],
  email: ['an', 'e-mail address'],
  phone: ['a', 'phone number'],
  password: ['a', 'password'],
  newPassword: ['a', 'new password'],
  currentPassword: ['your', 'current password'],
  businessName: ['a', 'business name'],
  seatLimit: ['a', 'seat limit'],
  name: ['a', 'name'],
  price: ['a', 'price'],
  'price.amount': ['a', 'price'],
  amount: ['an', 'amount'],
  currency: ['a', 'currency'],
  clientType: ['a', 'client type'],
  type: ['a', 'client type'],
  role: ['a', 'role'],
  capabilities: ['the', 'permissions'],
  status: ['a', 'status'],
  body: ['a', 'message'],
  note: ['a', 'note'],
  token: ['the', 'link'],
  productId: ['a', 'product'],
  clientId: ['a', 'client'],
  clientIds: ['the', 'clients'],
  coachId: ['a', 'coach'],
  buyer: ['your', 'details'],
  owner: ['the', "owner's details"],
  sessionPack: ['a', 'session pack'],
  sessions: ['a', 'number of sessions'],
  validForDays: ['a', 'number of days'],
  sendInvitation: ['the', 'invitation choice'],
  dryRun: ['the', 'preview choice'],
  start: ['a', 'start time'],
  from: ['a', 'start date'],
  to: ['an', 'end date'],
  durationMinutes: ['a', 'duration in minutes'],
  location: ['a', 'place'],
  online: ['the', 'online choice'],
  reason: ['a', 'reason'],
  programId: ['a', 'program'],
  sessionId: ['a', 'session'],
  expiresAt: ['an', 'expiry date'],
  measuredAt: ['a', 'measurement date'],
  values: ['the', 'measurements'],
  unit: ['a', 'unit'],
  units: ['the', 'units'],
  search: ['a', 'search'],
  sort: ['a', 'sort order'],
  page: ['a', 'page number'],
  pageSize: ['a', 'page size'],
  tz: ['a', 'time zone'],
  when: ['a', 'period'],
  attended: ['the', 'attendance'],
  'Idempotency-Key': ['the', 'request key'],
  'If-Match': ['the', 'version of this page'],
};

/** The field's noun: its full path ("price.amount"), else its last name ("buyer.firstName": firstName), else its words. */
export function nounOf(field: string): [article: string, noun: string] {
  if (NOUNS[field]) return NOUNS[field];
  const last = field
    .split('.')
    .filter((part) => !/^\d+$/.test(part))
    .pop() ?? field;
  if (NOUNS[last]) return NOUNS[last];
  const words = last
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
  return [/^[aeio]/.test(words) ? 'an' : 'a', words || 'value'];
}

/** "a first name" */
const some = (field: string) => nounOf(field).join(' ');
/** "the first name" ("your current password" keeps its own) */
const the = (field: string) => {
  const [article, noun] = nounOf(field);
  return `${article === 'a' || article === 'an' ? 'the' : article} ${noun}`;
};
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const numbers = (message: string) => (message.match(/\d+/g) ?? []).map(Number);
const isChoice = (field: string) => /(^|\.)(type|clientType|role|currency|status|sort|coachId|productId|clientId|programId|tz|unit)$/.test(field);

/** A missing or empty value: what to do about it. */
export function missing(field: string): string {
  return `${isChoice(field) ? 'Choose' : 'Enter'} ${some(field)}.`;
}

const EMAIL = 'Enter an e-mail address such as name@example.com.';

/**
 * One class-validator constraint (its name and default message, which holds its numbers) as a
 * sentence. `empty`: the value was absent, null or blank, whatever the constraint.
 */
export function constraintSentence(field: string, constraint: string, message: string, empty: boolean): string {
  if (empty && constraint !== 'whitelistValidation') return missing(field);
  const [first, second] = numbers(message);
  switch (constraint) {
    case 'isDefined':
    case 'isNotEmpty':
      return missing(field);
    case 'isString':
      return `Enter ${some(field)} as text.`;
    case 'isEmail':
      return EMAIL;
    case 'isIn':
    case 'isEnum':
    case 'isUUID':
    case 'isUuid':
      return `Choose ${some(field)} from the list.`;
    case 'isInt':
    case 'isNumber':
      return `Enter ${the(field)} as a whole number.`;
    case 'isBoolean':
      return `Choose yes or no for ${the(field)}.`;
    case 'isISO8601':
    case 'isIso8601':
    case 'isDateString':
      return `Enter ${the(field)} as a date, for example 2026-03-01 or 2026-03-01T09:00:00Z.`;
    case 'min':
      return `Enter ${some(field)} of ${first} or more.`;
    case 'max':
      return `Enter ${some(field)} of ${first} or less.`;
    case 'isLength':
    case 'minLength':
    case 'maxLength': {
      // Length's message says which bound failed: "longer than or equal to" the minimum, "shorter" than the maximum.
      if (/longer/.test(message) && !/shorter/.test(message)) return first <= 1 ? missing(field) : `Enter at least ${first} characters for ${the(field)}.`;
      return `Shorten ${the(field)} to ${constraint === 'isLength' && second !== undefined ? second : first} characters or fewer.`;
    }
    case 'isArray':
      return `Choose ${the(field)} as a list.`;
    case 'arrayMinSize':
      return `Choose at least ${first} for ${the(field)}.`;
    case 'arrayMaxSize':
      return `Choose at most ${first} at a time for ${the(field)}.`;
    case 'arrayUnique':
      return `Choose each of ${the(field)} only once.`;
    case 'whitelistValidation':
      return `This form does not take ${the(field)}; leave it out.`;
    case 'nestedValidation':
    case 'isObject':
      return `Enter ${the(field)} again; they could not be read.`;
    case 'matches':
      return `${capital(the(field))} is not in the expected form; check it.`;
    case 'isPlainText':
      return `Type ${the(field)} on one line, without line breaks or hidden control or text-direction characters.`;
    case 'isCurrencyInUse':
      return 'Choose a currency in use, such as EUR, USD or GBP.';
    case 'isAcceptablePassword':
      return passwordSentence(message.replace(/^\S+ /, '')) ?? `Choose another ${nounOf(field)[1]}.`;
    default:
      return fragmentSentence(field, message.replace(/^\S+ /, ''));
  }
}

/** The kernel's password policy (passwordProblem), said to the person choosing one. */
function passwordSentence(problem: string): string | null {
  const [n] = numbers(problem);
  if (/at least/.test(problem)) return `Choose a password of at least ${n} characters; a phrase of a few words is easy to remember.`;
  if (/at most/.test(problem)) return `Choose a password of at most ${n} characters.`;
  if (/repeated/.test(problem)) return 'Choose a password that is more than one character repeated, such as a phrase of a few words.';
  if (/common/.test(problem)) return 'This is one of the most common passwords; choose another.';
  if (/string/.test(problem)) return 'Enter a password.';
  return null;
}

/**
 * A field error a service or the gateway worded as a fragment ("is required", "must be 1 to 100
 * characters"): as a sentence. A message that already is one (a capital, a full stop) is kept.
 */
export function fragmentSentence(field: string, message: string): string {
  const text = message.trim();
  if (/^[A-Z"].*[.?!]$/.test(text)) return text;
  const [first, second] = numbers(text);
  if (/^(is required|must not be empty|should not be empty|should not be null or undefined)$/.test(text)) return missing(field);
  if (/^must be (an e-mail address|an email)$/.test(text)) return EMAIL;
  if (text === 'must be a phone number') return 'Enter a phone number such as +33 6 12 34 56 78.';
  if (/^must be one of/.test(text) || text === 'unknown capability') return `Choose ${some(field)} from the list.`;
  if (/^must be \d+ to \d+ characters$/.test(text)) return `Enter ${some(field)} of ${first} to ${second} characters.`;
  if (/^must be at most \d+ characters$/.test(text)) return `Shorten ${the(field)} to ${first} characters or fewer.`;
  if (/^must be (a non-negative integer|a whole number)/.test(text)) {
    return second !== undefined ? `Enter ${the(field)} as a whole number from ${first} to ${second}.` : `Enter ${the(field)} as a whole number of ${first ?? 0} or more.`;
  }
  if (/^must be an ISO-8601 date/.test(text)) return `Enter ${the(field)} as a date, for example 2026-03-01T09:00:00Z.`;
  if (text === 'must be a date and time in the future') return `Choose ${some(field)} in the future.`;
  if (text === 'must be true or false') return `Choose yes or no for ${the(field)}.`;
  if (text === 'is not a staff member of this account') return 'Choose a coach of your business.';
  if (text === 'is already taken') return 'This e-mail address already signs in to another account; use another one.';
  if (text === 'is not right') return 'This is not your current password; type it again.';
  if (text === 'is the current password') return 'Choose a new password that differs from the current one.';
  if (text === 'is not an ETag of this API') return 'This page is out of date; reload it and try again.';
  if (text === 'is not an IANA time zone') return 'Choose a time zone such as Europe/Paris.';
  if (field === 'token' && text === 'is not valid') return 'This link is not valid or has expired; ask for a new one.';
  const password = /password/i.test(field) ? passwordSentence(text) : null;
  if (password) return password;
  if (text === 'is not valid') return `Check ${the(field)}; it is not valid.`;
  return `${capital(the(field))} ${text.replace(/[.;,\s]+$/, '')}.`;
}

/** Every field error as a sentence, one per field and sentence. */
export function humanFieldErrors(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors
    .map(({ field, message }) => ({ field, message: fragmentSentence(field, message) }))
    .filter(({ field, message }) => !seen.has(`${field}\n${message}`) && seen.add(`${field}\n${message}`) !== undefined);
}

/** The problem's detail for field errors: their sentences, so a page that shows only the detail still says what to do. */
export function fieldErrorsDetail(errors: readonly FieldError[]): string {
  const sentences = [...new Set(errors.map((e) => e.message))];
  if (sentences.length === 0) return 'Some fields are missing or not valid.';
  return sentences.length <= 3 ? sentences.join(' ') : `${sentences.slice(0, 3).join(' ')} And ${sentences.length - 3} more.`;
}
