import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signJwt, verifyJwt } from './jwt';
import { loadJwtSecret } from './jwt-secret';

const secret = 's'.repeat(40);

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token made by hand (as an attacker, or the code before jose, would): any header, any claims. */
const handMade = (header: object, claims: object, key = secret, hash = 'sha256') => {
  const unsigned = `${b64(header)}.${b64(claims)}`;
  return `${unsigned}.${createHmac(hash, key).update(unsigned).digest('base64url')}`;
};
const HS256 = { alg: 'HS256', typ: 'JWT' };
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const valid = () => ({ sub: 'u1', role: 'coach', iss: 'clientele', aud: 'clientele-api', iat: Math.floor(Date.now() / 1000), exp: inAnHour() });

describe('JWT', () => {
  it('verifies what it signed, with issuer, audience and expiry', async () => {
    const token = await signJwt({ sub: 'u1', role: 'admin' }, { secret, expiresInSeconds: 60 });
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual(HS256);
    const result = await verifyJwt<{ sub: string; role: string }>(token, secret);
    expect(result).toMatchObject({ ok: true, claims: { sub: 'u1', role: 'admin', iss: 'clientele', aud: 'clientele-api' } });
    if (result.ok) expect(result.claims.exp - result.claims.iat).toBe(60);
  });

  it('still accepts the HS256 tokens signed before (the same secret, the same claims)', async () => {
    expect(await verifyJwt(handMade(HS256, valid()), secret)).toMatchObject({ ok: true, claims: { sub: 'u1', role: 'coach' } });
  });

  it('refuses expired tokens, other secrets, tampered payloads and other algorithms', async () => {
    const past = new Date(Date.now() - 120_000);
    expect(await verifyJwt(await signJwt({ sub: 'u1' }, { secret, expiresInSeconds: 60, now: past }), secret)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyJwt(await signJwt({ sub: 'u1' }, { secret, expiresInSeconds: 60 }), 'x'.repeat(40))).toEqual({ ok: false, reason: 'bad signature' });

    const [header, payload, sig] = (await signJwt({ sub: 'u1', role: 'coach' }, { secret, expiresInSeconds: 60 })).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url');
    expect(await verifyJwt(`${header}.${forged}.${sig}`, secret)).toEqual({ ok: false, reason: 'bad signature' });

    expect(await verifyJwt(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, secret)).toEqual({ ok: false, reason: 'wrong algorithm' });
    expect(await verifyJwt(handMade({ alg: 'HS512', typ: 'JWT' }, valid(), secret, 'sha512'), secret)).toEqual({ ok: false, reason: 'wrong algorithm' });
    expect(await verifyJwt(handMade({ alg: 'RS256', typ: 'JWT' }, valid()), secret)).toEqual({ ok: false, reason: 'wrong algorithm' });
    expect(await verifyJwt('not-a-token', secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyJwt('not.a.token', secret)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses correctly signed tokens with a wrong issuer or audience, no expiry or no subject', async () => {
    const { sub: _sub, ...noSubject } = valid();
    const { exp: _exp, ...noExpiry } = valid();
    expect(await verifyJwt(handMade(HS256, { ...valid(), iss: 'someone-else' }), secret)).toEqual({ ok: false, reason: 'wrong issuer or audience' });
    expect(await verifyJwt(handMade(HS256, { ...valid(), aud: 'another-api' }), secret)).toEqual({ ok: false, reason: 'wrong issuer or audience' });
    expect(await verifyJwt(handMade(HS256, noSubject), secret)).toEqual({ ok: false, reason: 'no subject' });
    expect(await verifyJwt(handMade(HS256, { ...valid(), sub: 42 }), secret)).toEqual({ ok: false, reason: 'no subject' });
    expect(await verifyJwt(handMade(HS256, noExpiry), secret)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses what jose checks beyond the hand-written verifier: an unknown critical header, a token not valid yet, an issue date that is not a number', async () => {
    // Signed correctly with the right secret each time: only the checks below refuse them.
    expect(await verifyJwt(handMade({ ...HS256, crit: ['exp-by-hsm'], 'exp-by-hsm': true }, valid()), secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyJwt(handMade(HS256, { ...valid(), nbf: inAnHour() - 60 }), secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyJwt(handMade(HS256, { ...valid(), iat: 'yesterday' }), secret)).toEqual({ ok: false, reason: 'malformed' });
    // The same tokens without those are accepted: the refusals above are theirs.
    expect(await verifyJwt(handMade(HS256, { ...valid(), nbf: Math.floor(Date.now() / 1000) - 60 }), secret)).toMatchObject({ ok: true });
  });

  it('refuses a signing secret shorter than 256 bits', async () => {
    await expect(signJwt({ sub: 'u1' }, { secret: 'short', expiresInSeconds: 60 })).rejects.toThrow('at least 32 bytes');
    await expect(verifyJwt(handMade(HS256, valid(), 'short'), 'short')).rejects.toThrow('at least 32 bytes');
  });
});

describe('loadJwtSecret', () => {
  it('prefers JWT_SECRET, otherwise generates one secret per data folder and keeps it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clientele-secret-'));
    try {
      expect(loadJwtSecret({ jwtSecret: secret, dataDir: dir })).toBe(secret);
      const generated = loadJwtSecret({ dataDir: dir });
      expect(generated.length).toBeGreaterThanOrEqual(32);
      expect(loadJwtSecret({ dataDir: dir })).toBe(generated);
      expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
