/**
 * Every installed package runs on every Node version package.json's `engines` allows: `npm ci`
 * warns EBADENGINE otherwise, and a package that needs a newer Node may fail at run time on the
 * oldest one we support (issue 24, item 8: content-disposition 3 needs Node 22 and is ESM-only;
 * @fastify/static takes content-disposition 2 instead, the same `create` in CommonJS).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean; optional?: boolean }>;
};

describe('Node engines', () => {
  const oldest = semver.minVersion(manifest.engines.node)!.version;

  it(`every package in the lock file accepts the oldest Node we support (${manifest.engines.node}: ${oldest}) and this one`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([, entry]) => {
        const range = (entry.engines as { node: string }).node;
        return !semver.satisfies(oldest, range) || !semver.satisfies(process.version, range);
      })
      .map(([path, entry]) => `${path.replace(/^node_modules\//, '')}@${entry.version} needs node ${(entry.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });

  it('@fastify/static loads and names a download as before', async () => {
    // The module it takes `create` from is the one the override chose.
    const { create } = (await import(require.resolve('content-disposition', { paths: [require.resolve('@fastify/static')] }))) as {
      create(name: string): string;
    };
    expect(create('import-report é.csv')).toBe(`attachment; filename="import-report ?.csv"; filename*=UTF-8''import-report%20%C3%A9.csv`);
    await expect(import('@fastify/static')).resolves.toBeDefined();
  });
});
