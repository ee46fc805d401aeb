/**
 * Who calls a hot function: for every sample whose stack holds `function` (in a file whose path
 * holds `urlPart`), the nearest `depth` frames above it that are our code (not node_modules, not
 * node:), counted by the time of the samples. Answers "which commits are these 48% of
 * sqliteTransaction?" where the summary only says that they are.
 *
 *   node -r ts-node/register/transpile-only bench/tools/cpuprofile-callers.ts <file.cpuprofile> <function> [urlPart] [depth=2] [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const [file, fn, urlPart = '', depthArg = '2', topArg = '25'] = process.argv.slice(2);
if (!file || !fn) {
  console.error('usage: cpuprofile-callers.ts <file.cpuprofile> <function> [urlPart] [depth=2] [top=25]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const ours = (url: string) => url !== '' && !url.includes('node_modules') && !url.startsWith('node:');
const short = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^file:\/\/.*?\/(libs|apps|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;

const totals = new Map<string, number>();
let matched = 0;
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  let node = byId.get(id);
  while (node && !(node.callFrame.functionName === fn && node.callFrame.url.includes(urlPart))) node = byId.get(parent.get(node.id) ?? -1);
  if (!node) return;
  matched += ms;
  const frames: string[] = [];
  let up = byId.get(parent.get(node.id) ?? -1);
  while (up && frames.length < Number(depthArg)) {
    if (ours(up.callFrame.url)) frames.push(short(up));
    up = byId.get(parent.get(up.id) ?? -1);
  }
  const key = frames.join(' <- ') || '(no caller of ours)';
  totals.set(key, (totals.get(key) ?? 0) + ms);
});
console.log(`${fn}${urlPart ? ` in *${urlPart}*` : ''}: ${matched.toFixed(0)} ms of samples`);
for (const [key, ms] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) {
  console.log(`${ms.toFixed(0).padStart(8)} ms  ${((100 * ms) / matched).toFixed(1).padStart(5)}%  ${key}`);
}
