/**
 * Reads a V8 .cpuprofile (node --cpu-prof; BENCH_PROFILE=1 npm run bench writes them in
 * bench/profiles/) and prints where the time went: self time by function, and inclusive time
 * (each sample counted once per function on its stack) by function, and by file or package.
 * Samples taken while modules load (start-up, ts-node compiling) are left out.
 *
 *   node -r ts-node/register/transpile-only bench/tools/cpuprofile-summary.ts <file.cpuprofile> [top=40] [filter]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (path.startsWith('node:')) return path;
  const root = path.indexOf('/work/main/');
  return root !== -1 ? path.slice(root + '/work/main/'.length) : path;
}

function main(): void {
  const [file, topArg, filter] = process.argv.slice(2);
  const top = Number(topArg ?? 40);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let loading = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id)!;
    // Module loading (start-up, ts-node compiling) is not what a benchmark is after.
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur)!.callFrame.url === 'node:internal/modules/cjs/loader') {
        loading += dt;
        return;
      }
    }
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    self.set(name(node), (self.get(name(node)) ?? 0) + dt);
    byPlace.set(where(node.callFrame.url), (byPlace.get(where(node.callFrame.url)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = name(byId.get(cur)!);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  });
  const busy = total - idle;
  const print = (title: string, map: Map<string, number>) => {
    console.log(`\n${title}`);
    [...map.entries()]
      .filter(([k]) => !filter || k.includes(filter))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .forEach(([k, ms]) => console.log(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${k}`));
  };
  console.log(
    `${file}: ${(total + loading).toFixed(0)} ms sampled; ${loading.toFixed(0)} ms loading modules (left out), ${idle.toFixed(0)} ms idle, ${busy.toFixed(0)} ms busy (percentages of busy)`,
  );
  print('self time by place', byPlace);
  print('self time by function', self);
  print('inclusive time by function', inclusive);
}

main();
