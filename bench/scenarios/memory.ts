/**
 * `memory` (issue 23): the resident memory of `npm start` as people run it: the compiled sources
 * (what `npm run build` makes; compiled once by test/support/processes.ts), every service in one
 * process, SQLite stores, default settings. RSS once it is up and idle, and after 10,000
 * AddClients (8 in flight) once it is idle again; the process's peak too. Target: at most 250 MB
 * after start-up. No floor: an absolute figure, reported as the issue asks.
 */
import { join } from 'node:path';
import { Api } from '../../test/support/http';
import { compiledClientele, freePort, spawnClientele, stopAll, waitUntilHealthy } from '../../test/support/processes';
import { withBusiness } from '../lib/business';
import { Figure, targets } from '../lib/figures';
import { runLoad } from '../lib/load';
import type { Scenario } from '../lib/scenario';
import { processStats, RunningSystem, waitIdle } from '../lib/system';
import { addClientBody } from './command';

export const memoryScenario: Scenario = {
  name: 'memory',
  title: 'RSS of `npm start` (compiled, one process, defaults) after start-up and after 10,000 AddClients',
  async run(context) {
    const adds = context.quick ? 300 : 10_000;
    compiledClientele();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const process_ = spawnClientele('npm start', { PORT: String(port), DATA_DIR: join(context.dir, 'data') });
    try {
      const api = new Api(url);
      await waitUntilHealthy(api, [process_]);
      const pid = process_.child.pid!;
      const system: RunningSystem = {
        kind: 'embedded',
        url,
        api,
        processes: () => [{ name: 'npm start', pid }],
        cpuMs: () => processStats(pid).cpuMs,
        stop: async () => undefined,
      };
      await waitIdle(system, context.log);
      const startedUp = processStats(pid);
      const added = await withBusiness(system, async ({ admin }) => {
        const load = await runLoad(adds, 8, (i) => admin.expect(201, 'POST', '/api/v1/clients', addClientBody(`mem${i}`)));
        if (load.errors > 0) throw new Error(`${load.errors} of ${adds} adds failed; first: ${load.firstError}`);
        return load;
      });
      await waitIdle(system, context.log);
      const after = processStats(pid);
      context.log(
        `  after start-up: RSS ${startedUp.rssMb.toFixed(0)} MB; ${adds.toLocaleString('en-US')} adds in ${added.seconds.toFixed(1)} s ` +
          `(${(adds / added.seconds).toFixed(0)}/s), then idle: RSS ${after.rssMb.toFixed(0)} MB, peak ${after.peakRssMb.toFixed(0)} MB`,
      );
      const base = { scenario: 'memory', unit: 'MB', floor: null, better: 'lower' as const };
      return [
        { ...base, name: 'npm-start-rss-after-start-up', value: startedUp.rssMb, target: targets.startUpRss },
        { ...base, name: `npm-start-rss-after-${adds}-adds`, value: after.rssMb },
        { ...base, name: `npm-start-peak-rss-${adds}-adds`, value: after.peakRssMb },
      ] satisfies Figure[];
    } finally {
      await stopAll([process_]);
    }
  },
};
