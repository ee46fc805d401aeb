import { randomBytes } from 'node:crypto';
import { privateDirectory, PRIVATE_FILE_MODE } from '@clientele/platform/config';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
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
  privateDirectory(options.dataDir);
  const secret = randomBytes(48).toString('base64url');
  try {
    // 'wx': if another process created it meanwhile, keep theirs.
    writeFileSync(file, `${secret}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    // The mode above went through the umask; owner-only exactly, whatever the umask.
    chmodSync(file, PRIVATE_FILE_MODE);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
}
