import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';
import { CRASH_ONCE_SETTING, crashPoint, parseCrashOnce, resetCrashPointsForTests } from './crash-points';

describe('crash points (test-only crashes at a named moment)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-crash-points-'));
  });
  afterEach(() => {
    delete process.env[CRASH_ONCE_SETTING];
    resetCrashPointsForTests();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads <name>:<marker path>, splitting at the first colon; unset is unarmed; anything else is refused', () => {
    expect(parseCrashOnce(undefined)).toBeNull();
    expect(parseCrashOnce('  ')).toBeNull();
    expect(parseCrashOnce('billing.provider-event-recorded:/tmp/x/marker')).toEqual({ name: 'billing.provider-event-recorded', markerPath: '/tmp/x/marker' });
    expect(parseCrashOnce('a_b-1:C:\\tmp\\marker')).toEqual({ name: 'a_b-1', markerPath: 'C:\\tmp\\marker' });
    for (const malformed of ['billing.provider-event-recorded', 'billing:', ':/tmp/marker', 'has space:/tmp/m']) {
      expect(() => parseCrashOnce(malformed)).toThrow(/^CLIENTELE_CRASH_ONCE must be <crash point name>:<marker file path>/);
    }
  });

  it('does nothing when unarmed, at another point, or once its marker exists (it crashed before)', () => {
    expect(() => crashPoint('billing.provider-event-recorded')).not.toThrow();

    const marker = join(dir, 'marker');
    process.env[CRASH_ONCE_SETTING] = `billing.provider-event-recorded:${marker}`;
    resetCrashPointsForTests();
    crashPoint('some.other-point');
    expect(existsSync(marker)).toBe(false);

    writeFileSync(marker, 'crashed before\n');
    crashPoint('billing.provider-event-recorded'); // still alive: this jest worker would be gone otherwise
    expect(readFileSync(marker, 'utf8')).toBe('crashed before\n');
  });

  it('reads the environment once: arming it later does nothing in a running process', () => {
    crashPoint('a.point');
    process.env[CRASH_ONCE_SETTING] = `a.point:${join(dir, 'marker')}`;
    crashPoint('a.point');
    expect(existsSync(join(dir, 'marker'))).toBe(false);
  });

  /** The module as its own Node process: no jest around it, so what happens is what a service would do. */
  function runChild(env: Record<string, string>) {
    const compiled = join(dir, 'crash-points.js');
    const source = readFileSync(join(__dirname, 'crash-points.ts'), 'utf8');
    writeFileSync(compiled, transpileModule(source, { compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022 } }).outputText);
    const script = `const { crashPoint } = require(${JSON.stringify(compiled)});
process.stdout.write('before\\n');
try { crashPoint('billing.provider-event-recorded'); } finally { process.stdout.write('finally\\n'); }
process.stdout.write('after\\n');`;
    return spawnSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  }

  it('armed: writes the marker, then dies by SIGKILL with no cleanup; started again, it goes past the point', () => {
    const marker = join(dir, 'marker');
    const crashed = runChild({ [CRASH_ONCE_SETTING]: `billing.provider-event-recorded:${marker}` });
    expect({ signal: crashed.signal, status: crashed.status, stdout: crashed.stdout }).toEqual({ signal: 'SIGKILL', status: null, stdout: 'before\n' });
    expect(readFileSync(marker, 'utf8')).toMatch(/^billing\.provider-event-recorded crashed process \d+ at /);

    const again = runChild({ [CRASH_ONCE_SETTING]: `billing.provider-event-recorded:${marker}` });
    expect({ signal: again.signal, status: again.status, stdout: again.stdout }).toEqual({ signal: null, status: 0, stdout: 'before\nfinally\nafter\n' });

    const unarmed = runChild({});
    expect({ signal: unarmed.signal, status: unarmed.status, stdout: unarmed.stdout }).toEqual({ signal: null, status: 0, stdout: 'before\nfinally\nafter\n' });
  });
});
