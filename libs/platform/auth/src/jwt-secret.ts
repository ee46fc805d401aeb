import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The token signing secret: JWT_SECRET when set; otherwise generated once and kept in
 * DATA_DIR/jwt-secret (readable by the owner only), so tokens survive a restart and every process
 * sharing the data folder signs and checks with the same secret.
 */
export function loadJwtSecret(options: { jwtSecret?: string; dataDir: string }): string {
  if (options.jwtSecret) return options.jwtSecret;
  const file = join(options.dataDir, 'jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(options.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  try {
    // 'wx': if another process created it meanwhile, keep theirs.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
}
