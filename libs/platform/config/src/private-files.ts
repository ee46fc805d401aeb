import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * What Clientele keeps under DATA_DIR (events, keys, password hashes, the token secret) is for
 * the service's own user only: folders 0700, files 0600. The modes are set explicitly rather than
 * left to the umask, and tightened on folders and files an earlier version created more open.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates the folder (and any missing parent up to it) with mode 0700, and narrows it to 0700 if
 * it exists with more. A folder that belongs to another user (a mount point handed over by an
 * operator) is left as it is: its mode is the operator's decision, and chmod would fail anyway.
 */
export function privateDirectory(path: string): string {
  const dir = resolve(path);
  const created = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (created) {
    // mkdir's mode went through the umask; every folder it created gets exactly 0700.
    for (let at = dir; ; at = dirname(at)) {
      chmodSync(at, PRIVATE_DIR_MODE);
      if (at === created || dirname(at) === at) break;
    }
  } else narrow(dir, PRIVATE_DIR_MODE);
  return dir;
}

/**
 * Before SQLite opens a database file: creates it empty with mode 0600 if it is missing (SQLite
 * takes an empty file as a new database), and narrows it and its -wal, -shm and -journal files if
 * they exist. SQLite creates the -wal and -shm files with the database file's mode, so they follow.
 * Nothing happens for ':memory:' and temporary ('') databases.
 */
export function privateSqliteFile(filename: string): void {
  if (!isSqliteFile(filename)) return;
  privateDirectory(dirname(filename));
  if (!existsSync(filename)) closeSync(openSync(filename, 'a', PRIVATE_FILE_MODE));
  for (const file of [filename, `${filename}-wal`, `${filename}-shm`, `${filename}-journal`]) narrow(file, PRIVATE_FILE_MODE);
}

/** Whether SQLite keeps this database in a file of ours: not ':memory:', a temporary ('') or a URI database. */
export function isSqliteFile(filename: string): boolean {
  return filename !== '' && filename !== ':memory:' && !filename.startsWith('file:');
}

/** Narrows an existing file or folder of ours to the mode; missing ones and other users' are skipped. */
function narrow(path: string, mode: number): void {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((stat.mode & 0o777) === mode) return;
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return;
  chmodSync(path, mode);
}
