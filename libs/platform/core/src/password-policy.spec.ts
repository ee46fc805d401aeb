import { CURRENCIES, isCurrencyInUse } from './currencies';
import { PASSWORD_MAX_LENGTH, passwordProblem } from './password-policy';
import { hasControlCharacters, oneLine } from './text';

describe('password policy (issue 17)', () => {
  it('refuses the most common passwords in any case, and one character repeated', () => {
    for (const common of ['qwertyuiop', '1234567890', 'password123', 'PASSWORD123', 'Basketball', ' iloveyou12 ']) {
      expect({ common, problem: passwordProblem(common) }).toEqual({ common, problem: 'is one of the most common passwords; choose another' });
    }
    for (const repeated of ['aaaaaaaaaa', 'AAAAAAAAAAAA', '0000000000', '          ']) expect(passwordProblem(repeated)).toMatch(/^is one character repeated/);
  });

  it('keeps the length from 10 to 200 characters, and accepts a passphrase', () => {
    expect(passwordProblem('short')).toBe('must be at least 10 characters long');
    expect(passwordProblem('x'.repeat(PASSWORD_MAX_LENGTH) + 'y')).toBe('must be at most 200 characters long');
    expect(passwordProblem(42)).toBe('must be a string');
    expect(passwordProblem('correct horse battery')).toBeNull();
    expect(passwordProblem('ab'.repeat(100))).toBeNull();
  });
});

describe('one-line text', () => {
  it('finds and removes CR, LF, other C0/C1 controls and bidi overrides and isolates, and nothing else', () => {
    for (const bad of ['a\rb', 'a\nb', 'a\tb', 'a\u0000b', 'a\u007fb', 'a\u0085b', 'a\u2028b', 'a\u202eb', 'a\u202ab', 'a\u2066b', 'a\u2069b']) {
      expect({ bad, found: hasControlCharacters(bad), cleaned: oneLine(bad) }).toEqual({ bad, found: true, cleaned: 'a b' });
    }
    for (const good of ['Zoë Ångström', 'Ōtsuka 大塚', 'شركة', 'Stone & Co. – Fitness']) expect(hasControlCharacters(good)).toBe(false);
    expect(oneLine('  Stone\r\n\r\nFitness ')).toBe('Stone Fitness');
  });
});

describe('currencies', () => {
  it('accepts the ISO 4217 codes of money in circulation, not XXX, testing, metals, funds or withdrawn codes', () => {
    for (const code of ['EUR', 'USD', 'GBP', 'JPY', 'CHF', 'XOF']) expect(isCurrencyInUse(code)).toBe(true);
    for (const code of ['XXX', 'XTS', 'XAU', 'XAG', 'XDR', 'XSU', 'BOV', 'CHE', 'USN', 'HRK', 'CUC', 'eur', 'ABC', '', 42]) expect({ code, inUse: isCurrencyInUse(code) }).toEqual({ code, inUse: false });
    // Every code of the list is one Node's ICU knows (a typo would not be), but VED, newer than some ICU versions.
    const known = new Set(Intl.supportedValuesOf('currency'));
    expect(CURRENCIES.filter((code) => !known.has(code) && code !== 'VED')).toEqual([]);
  });
});
