import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { KeyStore } from './key-store';

const PREFIX = 'pii:v1:';

/**
 * Personal data inside events is stored as one AES-256-GCM blob per event, encrypted with the key
 * of the person it is about, and bound to that person's id (additional authenticated data), so a
 * blob cannot be moved to another subject. Format: `pii:v1:<iv>:<tag>:<ciphertext>` (base64url).
 */
export class PersonalDataCipher {
  constructor(private readonly keys: KeyStore) {}

  async seal(subjectId: string, personal: Record<string, unknown>): Promise<string> {
    const key = await this.keys.keyFor(subjectId);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(subjectId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(personal), 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ciphertext.toString('base64url')}`;
  }

  /** The personal data, or null when the subject's key was destroyed (the data is erased). */
  async open<T extends Record<string, unknown>>(subjectId: string, sealed: string): Promise<T | null> {
    if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed personal-data value');
    const key = await this.keys.find(subjectId);
    if (!key) return null;
    const [iv, tag, ciphertext] = sealed.slice(PREFIX.length).split(':');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(subjectId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    return JSON.parse(plaintext.toString('utf8')) as T;
  }

  /** Creates the keys of many new subjects at once (imports): one durable write instead of one each. */
  prepareKeys(subjectIds: readonly string[]): Promise<void> {
    return this.keys.prepare(subjectIds);
  }

  /** Destroys the subject's key: what was sealed for them can never be opened again. */
  shred(subjectId: string): Promise<void> {
    return this.keys.destroy(subjectId);
  }

  /**
   * A keyed hash for comparing a personal value without storing it (e-mail uniqueness per
   * account): without the scope's key it cannot be reversed, or even confirmed by guessing.
   */
  async blindIndex(scopeId: string, value: string): Promise<string> {
    const key = await this.keys.keyFor(scopeId);
    return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
  }
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}
