import type { OpsOutput } from '../ops-context';
import type { RebuildProgress } from './rebuild';

/**
 * `clients  [########------------]  41%  412,000 events  38,120 ev/s  ETA 0:14`, redrawn in place
 * on a terminal and printed every few seconds otherwise (logs of a CI job or a pod).
 */
export function progressBar(output: OpsOutput, now: () => number = Date.now): (progress: RebuildProgress) => void {
  const startedAt = now();
  let lastPrinted = 0;
  return (progress) => {
    const elapsed = (now() - startedAt) / 1000;
    if (!output.interactive && now() - lastPrinted < 5000 && progress.phase === 'replaying') return;
    lastPrinted = now();
    const from = Number(progress.startedAt ?? 0n);
    const to = Number(progress.head ?? 0n);
    const at = Number(progress.position ?? 0n);
    const fraction = to > from ? Math.min(1, Math.max(0, (at - from) / (to - from))) : 1;
    const rate = elapsed > 0 ? progress.events / elapsed : 0;
    const remaining = fraction > 0 && fraction < 1 ? (elapsed / fraction) * (1 - fraction) : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const line =
      `${progress.projection.padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ` +
      `${progress.events.toLocaleString('en-US')} events  ${Math.round(rate).toLocaleString('en-US')} ev/s  ` +
      (progress.phase === 'replaying' ? `ETA ${duration(remaining)}` : progress.phase);
    output.err(output.interactive ? `\r${line}\x1b[K` : `${line}\n`);
  };
}

export function duration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
