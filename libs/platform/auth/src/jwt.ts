import { SignJWT, errors, jwtVerify } from 'jose';
import { createSecretKey, type KeyObject } from 'node:crypto';

/**
 * Access tokens: JWT (jose) with one fixed algorithm (HS256), issuer, audience, expiry and a
 * subject. Verification allows HS256 only, so no "alg: none", other-algorithm or key-confusion
 * trick gets a token accepted.
 */
export const JWT_ALGORITHM = 'HS256';
export const JWT_ISSUER = 'clientele';
export const JWT_AUDIENCE = 'clientele-api';
/** RFC 7518 §3.2: an HS256 key has at least as many bits as the hash (256). */
export const JWT_MIN_SECRET_BYTES = 32;

export interface JwtClaims {
  sub: string;
}

export interface SignOptions {
  secret: string;
  expiresInSeconds: number;
  now?: Date;
}

export async function signJwt<Claims extends JwtClaims>(claims: Claims, options: SignOptions): Promise<string> {
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ ...(claims as object) })
    .setProtectedHeader({ alg: JWT_ALGORITHM, typ: 'JWT' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + options.expiresInSeconds)
    .sign(keyOf(options.secret));
}

export type VerifyFailure = 'malformed' | 'bad signature' | 'wrong algorithm' | 'wrong issuer or audience' | 'expired' | 'no subject';
export type VerifyResult<T> = { ok: true; claims: T & { iat: number; exp: number } } | { ok: false; reason: VerifyFailure };

/** Never throws for a bad token: the reason is for tests and logs; callers answer 401 whatever it is. */
export async function verifyJwt<T extends JwtClaims>(token: string, secret: string, now = new Date()): Promise<VerifyResult<T>> {
  // A secret too weak to sign with is a fault of this server, not of the token: thrown.
  const key = keyOf(secret);
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      requiredClaims: ['sub', 'exp'],
      currentDate: now,
    });
    if (typeof payload.sub !== 'string') return { ok: false, reason: 'no subject' };
    return { ok: true, claims: payload as unknown as T & { iat: number; exp: number } };
  } catch (error) {
    return { ok: false, reason: failureOf(error) };
  }
}

function failureOf(error: unknown): VerifyFailure {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'wrong algorithm';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'sub') return 'no subject';
    if (error.claim === 'exp') return 'expired';
    if (error.claim === 'iss' || error.claim === 'aud') return 'wrong issuer or audience';
  }
  return 'malformed';
}

// One key object for the secret in use (every process has one), not one per request.
let cached: { secret: string; key: KeyObject } | undefined;

function keyOf(secret: string): KeyObject {
  if (cached?.secret === secret) return cached.key;
  if (Buffer.byteLength(secret, 'utf8') < JWT_MIN_SECRET_BYTES) {
    throw new Error(`The token signing secret must be at least ${JWT_MIN_SECRET_BYTES} bytes long.`);
  }
  cached = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return cached.key;
}
