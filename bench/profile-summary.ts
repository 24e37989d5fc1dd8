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
  children?: number[];
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

/**
 * Who a sample works for, by the outermost frame of our own code on its stack (the one nearest
 * the root): the embedded API server (src/apiserver, src/apiextensions), the benchmark or a test
 * (bench/, test/), else the operator (the rest of src/). A profile of the pod-startup benchmark
 * holds all three in one process; packages (client-node, dockerode) are counted for whoever called
 * them. Samples with no own frame at all (socket callbacks, timers, GC) stay apart.
 */
export function ownerOf(url: string): string | undefined {
  const own = /(?:^|\/)(src|bench|test)\/([^/]+)/.exec(url.replace(/^file:\/\//, ''));
  if (!own || url.includes('node_modules')) return undefined;
  if (own[1] !== 'src') return 'benchmark and tests (bench/, test/)';
  return own[2] === 'apiserver' || own[2] === 'apiextensions' ? 'API server (src/apiserver, src/apiextensions)' : 'operator (the rest of src/)';
}

/**
 * Self time (ms) by owner, and by owner and entry (the outermost own frame's function and file:
 * what the owner was doing, a pass, an informer event, a request handler), walking the tree from
 * the root so each node knows its outermost own frame.
 */
function byOwner(profile: Profile, self: Map<number, number>): { owners: Map<string, number>; entries: Map<string, number> } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  const owners = new Map<string, number>();
  const entries = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number): void => void map.set(key, (map.get(key) ?? 0) + ms);
  const stack: Array<{ id: number; owner?: string; entry?: string }> = profile.nodes.filter((n) => !childIds.has(n.id)).map((n) => ({ id: n.id }));
  for (let next = stack.pop(); next; next = stack.pop()) {
    const node = nodes.get(next.id);
    if (!node) continue;
    const { functionName } = node.callFrame;
    const here = walkOf(next, node);
    const special = /^\((idle|garbage collector|program)\)$/.test(functionName) ? functionName : undefined;
    const t = self.get(node.id) ?? 0;
    add(owners, here.owner ?? special ?? '(no own frame: socket and stream callbacks, timers, native)', t);
    if (here.entry) add(entries, here.entry, t);
    for (const child of node.children ?? []) stack.push({ ...here, id: child });
  }
  return { owners, entries };
}

/** A node's owner and entry: its parent's, or its own when it is the outermost own frame. */
function walkOf(parent: { owner?: string; entry?: string }, node: ProfileNode): { id: number; owner?: string; entry?: string } {
  if (parent.owner !== undefined) return { ...parent, id: node.id };
  const own = ownerOf(node.callFrame.url);
  if (!own) return { id: node.id };
  return { id: node.id, owner: own, entry: `${own.split(' ')[0] ?? ''}: ${node.callFrame.functionName || '(anonymous)'} ${fileOf(node.callFrame.url)}` };
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
  const { owners, entries } = byOwner(profile, self);
  console.log('\nself time by owner (the outermost frame of our own code on the stack):');
  for (const line of top(owners, n, total)) console.log(line);
  console.log('\nself time by owner and entry (that outermost frame):');
  for (const line of top(entries, n, total)) console.log(line);
}

main();
