/**
 * `npm run bench -- --quick` as CI runs it: every benchmark in its short form, in its own
 * process, against the test engines. Asserted: it completes (exit 0), every benchmark wrote its
 * result file, and each file parses and names its benchmark. Targets are not asserted here: a
 * 2-core CI machine is too noisy for that; the figures are for reading (bench/README.md).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/repo.js';

const BENCHMARKS = ['pod-floor', 'pod-startup', 'apiserver', 'idle', 'reaction', 'scale'];

interface Summary {
  benchmark: string;
  quick: boolean;
  outcomes: Array<{ benchmark: string; exitCode: number | null; file: string | null }>;
  headlines: Array<{ benchmark: string; figure: string }>;
}

function runQuick(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'bench', '--', '--quick'], { cwd: REPO_ROOT });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('benchmarks: npm run bench -- --quick', function () {
  // Measured ~3 minutes on the 2-core CI VM; the margin is for a busy machine.
  this.timeout(8 * 60_000);

  it('runs every benchmark to completion and writes each result file', async () => {
    const { code, output } = await runQuick();
    expect(code, output.slice(-4000)).to.equal(0);
    const summaryFile = [...output.matchAll(/^wrote (.+summary-[^\s]+\.json)$/gm)].at(-1)?.[1];
    expect(summaryFile, 'the summary file is named on the output').to.be.a('string');
    const summary = JSON.parse(readFileSync(summaryFile ?? '', 'utf8')) as Summary;
    expect(summary.quick).to.equal(true);
    expect(summary.outcomes.map((o) => o.benchmark)).to.deep.equal(BENCHMARKS);
    for (const o of summary.outcomes) {
      expect(o.exitCode, o.benchmark).to.equal(0);
      expect(o.file !== null && existsSync(o.file), `${o.benchmark} wrote ${o.file ?? 'nothing'}`).to.equal(true);
      const result = JSON.parse(readFileSync(o.file ?? '', 'utf8')) as { benchmark?: string; quick?: boolean };
      expect(result.benchmark, o.file ?? '').to.equal(o.benchmark);
      expect(result.quick, o.file ?? '').to.equal(true);
    }
    // Every benchmark contributes its headline figures to the summary table.
    expect(new Set(summary.headlines.map((h) => h.benchmark))).to.deep.equal(new Set(BENCHMARKS));
  });
});
