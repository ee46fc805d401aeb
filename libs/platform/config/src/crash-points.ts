import { writeFileSync } from 'node:fs';

/**
 * Crash points: named places in the code where a test can make the process die for real, once.
 *
 * Why: some guarantees are about a crash at one exact moment, e.g. "billing recorded a Stripe event
 * and died before answering: Stripe gets no 2xx, delivers the event again, and nothing is doubled".
 * Killing a process from outside (SIGKILL at a random time) cannot aim at that moment, and a mock
 * would prove nothing about the real process, its stores and the bus. So the code names the
 * moment, `crashPoint('billing.provider-event-recorded')`, and a test arms it through the
 * environment of the process it starts:
 *
 *   CLIENTELE_CRASH_ONCE=<name>:<marker file path>
 *
 * The first time the process reaches the point named `<name>` while the marker file does not
 * exist, it creates the marker (synchronously and exclusively, before dying, so that the process
 * started again on the same environment goes past the point: the crash happens once across
 * restarts, and the test can tell that it happened) and sends itself SIGKILL: no `finally`, no
 * shutdown hook, no answer flushed, exactly what an OOM kill or a power cut leaves behind.
 *
 * Unarmed (the setting unset, as in every real deployment; loadConfig refuses it in production),
 * a crash point is one comparison with a value read once from the environment: nothing measurable.
 * Here rather than in platform/core, which is pure (no I/O) and also read by the web app.
 */
export const CRASH_ONCE_SETTING = 'CLIENTELE_CRASH_ONCE';

export interface ArmedCrashPoint {
  /** The crash point's name, as the code passes it to `crashPoint`. */
  name: string;
  /** Created just before the crash; while it exists, the point does nothing. */
  markerPath: string;
}

/**
 * Reads `<name>:<marker file path>`, split at the first colon (names have none; a path may).
 * Unset or blank: nothing is armed (null). Anything else malformed throws: a test that means to
 * crash a process must not pass because its setting was silently ignored.
 */
export function parseCrashOnce(value: string | undefined): ArmedCrashPoint | null {
  if (value === undefined || value.trim() === '') return null;
  const text = value.trim();
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon);
  const markerPath = colon < 0 ? '' : text.slice(colon + 1);
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name) || markerPath === '') {
    throw new Error(`${CRASH_ONCE_SETTING} must be <crash point name>:<marker file path>, e.g. billing.provider-event-recorded:/tmp/crashed; it is "${value}".`);
  }
  return { name, markerPath };
}

// undefined: the environment has not been read yet (it is read once, at the first crash point reached).
let armed: ArmedCrashPoint | null | undefined;

/** Dies here (SIGKILL), once, when CLIENTELE_CRASH_ONCE names this point; otherwise does nothing. See above. */
export function crashPoint(name: string): void {
  if (armed === undefined) armed = parseCrashOnce(process.env[CRASH_ONCE_SETTING]);
  if (armed === null || armed.name !== name) return;
  try {
    // 'wx': created only if absent, atomically, so two processes (replicas) cannot both crash here.
    writeFileSync(armed.markerPath, `${name} crashed process ${process.pid} at ${new Date().toISOString()}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return; // crashed here before: go on as if unarmed
    throw error;
  }
  process.kill(process.pid, 'SIGKILL');
  // A SIGKILL sent to oneself ends the process before this line runs; should it ever not, go no further.
  throw new Error(`crash point ${name}: the process outlived its SIGKILL`);
}

/** Tests only: forget the setting read, so that the next crash point reads the environment again. */
export function resetCrashPointsForTests(): void {
  armed = undefined;
}
