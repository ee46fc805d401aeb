import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Access tokens: JWT with one fixed algorithm (HS256), issuer, audience and expiry. The header's
 * `alg` is checked against that one algorithm, never trusted, so no "alg: none" or key-confusion
 * trick gets a token accepted.
 */
export const JWT_ALGORITHM = 'HS256';
export const JWT_ISSUER = 'clientele';
export const JWT_AUDIENCE = 'clientele-api';

export interface JwtClaims {
  sub: string;
}

export interface SignOptions {
  secret: string;
  expiresInSeconds: number;
  now?: Date;
}

export function signJwt<Claims extends JwtClaims>(claims: Claims, options: SignOptions): string {
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const header = base64url(JSON.stringify({ alg: JWT_ALGORITHM, typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({ ...claims, iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: issuedAt, exp: issuedAt + options.expiresInSeconds }),
  );
  return `${header}.${payload}.${signature(`${header}.${payload}`, options.secret)}`;
}

export type VerifyResult<T> = { ok: true; claims: T & { iat: number; exp: number } } | { ok: false; reason: string };

export function verifyJwt<T extends JwtClaims>(token: string, secret: string, now = new Date()): VerifyResult<T> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return { ok: false, reason: 'malformed' };
  const [header, payload, given] = parts;
  const expected = signature(`${header}.${payload}`, secret);
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'bad signature' };
  let parsedHeader: { alg?: string };
  let claims: T & { iss?: string; aud?: string; iat: number; exp: number };
  try {
    parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (parsedHeader.alg !== JWT_ALGORITHM) return { ok: false, reason: 'wrong algorithm' };
  if (claims.iss !== JWT_ISSUER || claims.aud !== JWT_AUDIENCE) return { ok: false, reason: 'wrong issuer or audience' };
  if (typeof claims.exp !== 'number' || claims.exp <= Math.floor(now.getTime() / 1000)) return { ok: false, reason: 'expired' };
  if (typeof claims.sub !== 'string') return { ok: false, reason: 'no subject' };
  return { ok: true, claims };
}

function signature(input: string, secret: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
