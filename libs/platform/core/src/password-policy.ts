import { COMMON_PASSWORDS } from './common-passwords';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

let common: ReadonlySet<string> | undefined;
/** Built on first use, not at import: most processes that load the kernel never check a password. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(COMMON_PASSWORDS.split('\n').filter(Boolean));
  return common;
}

/**
 * The one password policy, for every place a person chooses a password (sign-up, a new staff
 * member, an invitation, a reset, a password change): what is wrong with it, as the end of a
 * sentence that starts with the field's name ("password is one of the most common passwords;
 * choose another"), or null when it is acceptable. The length is what NIST SP 800-63B asks for
 * (long enough, no composition rules); the list refuses what an attacker tries first, in any case,
 * and so does one character repeated.
 */
export function passwordProblem(password: unknown): string | null {
  if (typeof password !== 'string') return 'must be a string';
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters long`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters long`;
  const folded = password.trim().toLowerCase();
  if (new Set(folded).size <= 1) return 'is one character repeated; choose a longer phrase of several words';
  if (commonPasswords().has(folded)) return 'is one of the most common passwords; choose another';
  return null;
}
