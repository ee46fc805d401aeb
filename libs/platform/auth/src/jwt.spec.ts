import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signJwt, verifyJwt } from './jwt';
import { loadJwtSecret } from './jwt-secret';

const secret = 's'.repeat(40);

describe('JWT', () => {
  it('verifies what it signed, with issuer, audience and expiry', () => {
    const token = signJwt({ sub: 'u1', role: 'admin' }, { secret, expiresInSeconds: 60 });
    const result = verifyJwt<{ sub: string; role: string }>(token, secret);
    expect(result).toMatchObject({ ok: true, claims: { sub: 'u1', role: 'admin', iss: 'clientele', aud: 'clientele-api' } });
  });

  it('refuses expired tokens, other secrets, tampered payloads and other algorithms', () => {
    const past = new Date(Date.now() - 120_000);
    expect(verifyJwt(signJwt({ sub: 'u1' }, { secret, expiresInSeconds: 60, now: past }), secret)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyJwt(signJwt({ sub: 'u1' }, { secret, expiresInSeconds: 60 }), 'x'.repeat(40))).toEqual({ ok: false, reason: 'bad signature' });

    const [header, payload, sig] = signJwt({ sub: 'u1', role: 'coach' }, { secret, expiresInSeconds: 60 }).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url');
    expect(verifyJwt(`${header}.${forged}.${sig}`, secret)).toEqual({ ok: false, reason: 'bad signature' });

    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect(verifyJwt(`${none}.${payload}.`, secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyJwt('not-a-token', secret)).toEqual({ ok: false, reason: 'malformed' });
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
