/**
 * The headline figures of each benchmark's result file, for the summary table of `npm run
 * bench`: every figure a ratio or a count from one run, with its target where the issue set one
 * (`met` is null for figures that are reported, not judged).
 */

/** One line of the summary. */
export interface Headline {
  benchmark: string;
  figure: string;
  value: number | string;
  target: string;
  met: boolean | null;
}

interface Target {
  figure: string;
  value: number;
  target: string;
  met: boolean;
}

type Result = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const field = (r: Result, key: string): Result => (r[key] && typeof r[key] === 'object' ? (r[key] as Result) : {});

function report(benchmark: string, figures: Record<string, unknown>, names: Record<string, string>): Headline[] {
  return Object.entries(names).map(([key, figure]) => ({ benchmark, figure, value: num(figures[key]), target: 'report', met: null }));
}

function judged(benchmark: string, r: Result): Headline[] {
  const targets = Array.isArray(r['targets']) ? (r['targets'] as Target[]) : [];
  return targets.map((t) => ({ benchmark, figure: t.figure, value: t.value, target: t.target, met: t.target === 'report' ? null : t.met }));
}

const EXTRACT: Record<string, (r: Result) => Headline[]> = {
  'pod-floor': (r) => report('pod-floor', field(r, 'ratios'), { concurrentOverSequentialC1: 'start, members concurrent / sequential, C=1', concurrentOverSequentialC8: 'start, members concurrent / sequential, C=8' }),
  'pod-startup': (r) => [
    ...report('pod-startup', field(r, 'ratios'), { startup: 'startup, operator / dockerode', startupP50: 'startup p50, operator / dockerode', startupP99: 'startup p99, operator / dockerode', teardown: 'teardown, operator / dockerode' }),
    // Paced (full run only): each pod's own creation-to-Ready, against the baseline's at the same arrivals.
    ...report('pod-startup', field(field(r, 'paced'), 'ratios'), { startupP50: 'paced p50, operator / dockerode', startupP99: 'paced p99, operator / dockerode' }).filter((h) => !Number.isNaN(h.value)),
    ...judged('pod-startup', r),
  ],
  apiserver: (r) => {
    const rows = Array.isArray(r['rows']) ? (r['rows'] as Result[]) : [];
    const missed = rows.reduce((a, row) => a + num(row['watchMissed']), 0);
    const list = num(field(r, 'linearity')['listCostRatio']);
    return [
      { benchmark: 'apiserver', figure: 'LIST cost per object, big / small', value: list, target: '<= 1.2 (linear)', met: list <= 1.2 },
      ...report('apiserver', field(r, 'linearity'), { patchRateRatio: 'status patches per second, big / small' }),
      { benchmark: 'apiserver', figure: 'watch events missed', value: missed, target: '= 0', met: missed === 0 },
    ];
  },
  idle: (r) => [...judged('idle', r), { benchmark: 'idle', figure: 'pods held', value: num(r['pods']), target: `${num(r['requestedPods'])} asked`, met: null }],
  reaction: (r) => [...judged('reaction', r), ...report('reaction', field(r, 'ratios'), { operatorOverReplaceP50: 'p50, operator / dockerode replace-on-die', operatorOverDockerRestartP50: 'p50, operator / Docker restart policy' })],
  scale: (r) => judged('scale', r),
};

/** The headlines of one result file (an unknown benchmark gives none). */
export function headlines(benchmark: string, result: Result): Headline[] {
  return EXTRACT[benchmark]?.(result) ?? [];
}
