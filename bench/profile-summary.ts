/**
 * `npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N]`: where a CPU profile's time goes,
 * as text: self time by function and by file or package (node_modules/<pkg>, node:internal, our
 * own files), with (idle), (program) and (garbage collector) apart. The benchmarks write such
 * profiles with `--cpu-prof` (the operator process over the measured window only).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time (ms) per node id, from the samples and their time deltas. */
function selfTimes(profile: Profile): Map<number, number> {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  return self;
}

/** The file a frame belongs to: a package under node_modules, a node internal, or our own path. */
export function fileOf(url: string): string {
  if (url === '') return '(native or VM)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return `node_modules/${pkg[1]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url.replace(/^file:\/\/.*?\/(src|bench|test)\//, '$1/');
}

function top(entries: Map<string, number>, n: number, total: number): string[] {
  return [...entries].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${v.toFixed(0).padStart(8)} ms ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--top N]');
  const n = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const self = selfTimes(profile);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const t = self.get(node.id) ?? 0;
    total += t;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || '(anonymous)'} ${fileOf(url)}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
    byFile.set(fileOf(url), (byFile.get(fileOf(url)) ?? 0) + t);
  }
  const idle = byFunction.get('(idle) (native or VM):0') ?? 0;
  console.log(`${file}: ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms profiled, ${(total - idle).toFixed(0)} ms busy (idle ${idle.toFixed(0)} ms)`);
  console.log('\nself time by function:');
  for (const line of top(byFunction, n, total)) console.log(line);
  console.log('\nself time by file or package:');
  for (const line of top(byFile, n, total)) console.log(line);
}

main();
