/**
 * `npm run bench [-- --quick] [--only a,b]`: every benchmark in turn, each in its own process
 * (`npm run bench:<name>` runs one alone): pod-floor, pod-startup, apiserver, idle, reaction,
 * scale. `--quick` is passed through (the short forms CI runs). Each benchmark prints its own
 * tables and writes bench/results/<name>-<time>.json; this prints a summary table of the
 * headline ratios and targets from those files and writes bench/results/summary-<time>.json
 * (listing them). Exits non-zero when a benchmark failed; a missed target is reported, not fatal.
 * Needs the test engines and images (hack/ensure-docker.sh, hack/test-images.sh).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { quick, writeResult } from './common.js';
import { headlines, type Headline } from './summary.js';

const BENCHMARKS = [
  { name: 'pod-floor', file: 'floor.ts' },
  { name: 'pod-startup', file: 'pod-startup.ts' },
  { name: 'apiserver', file: 'apiserver.ts' },
  { name: 'idle', file: 'idle.ts' },
  { name: 'reaction', file: 'reaction.ts' },
  { name: 'scale', file: 'scale.ts' },
] as const;

interface Outcome {
  benchmark: string;
  exitCode: number | null;
  seconds: number;
  /** The result file it wrote (the last `wrote …json` line of its output). */
  file: string | null;
}

function selected(): Array<(typeof BENCHMARKS)[number]> {
  const i = process.argv.indexOf('--only');
  if (i < 0) return [...BENCHMARKS];
  const names = (process.argv[i + 1] ?? '').split(',');
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  return BENCHMARKS.filter((b) => names.includes(b.name));
}

/** Runs one benchmark file with the same TypeScript loader, echoing its output and catching the file it wrote. */
function runOne(name: string, file: string): Promise<Outcome> {
  const t0 = performance.now();
  const args = ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL(`./${file}`, import.meta.url)), ...(quick ? ['--quick'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let written: string | null = null;
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) written = /^wrote (.+\.json)$/.exec(line)?.[1] ?? written;
  });
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ benchmark: name, exitCode: code, seconds: Math.round((performance.now() - t0) / 1000), file: written }));
  });
}

function summarise(outcomes: Outcome[]): Headline[] {
  const rows: Headline[] = [];
  for (const o of outcomes) {
    if (o.exitCode !== 0 || !o.file) {
      rows.push({ benchmark: o.benchmark, figure: 'run', value: `failed (exit ${o.exitCode ?? 'signal'})`, target: 'completes', met: false });
      continue;
    }
    rows.push(...headlines(o.benchmark, JSON.parse(readFileSync(o.file, 'utf8')) as Record<string, unknown>));
  }
  return rows;
}

async function main(): Promise<void> {
  const outcomes: Outcome[] = [];
  for (const b of selected()) {
    console.log(`\n=== ${b.name}${quick ? ' (quick)' : ''} ===`);
    outcomes.push(await runOne(b.name, b.file));
  }
  const rows = summarise(outcomes);
  console.log(`\n=== summary${quick ? ' (quick)' : ''} ===`);
  console.table(outcomes.map((o) => ({ benchmark: o.benchmark, exit: o.exitCode, seconds: o.seconds })));
  console.table(rows.map((r) => ({ ...r, met: r.met === null ? '' : r.met ? 'yes' : 'NO' })));
  writeResult('summary', { outcomes, headlines: rows });
  if (outcomes.some((o) => o.exitCode !== 0 || !o.file)) process.exitCode = 1;
}

await main();
