/**
 * Where a pass's wall time goes (pod-startup `--trace`): every Docker call and every API request
 * the operator makes is kept as a span (start, end, what), and each pass's window is cut into what
 * was in flight at each moment: a Docker call, an API request, both, or neither (the operator's
 * own JavaScript, or waiting for the event loop). With one pass at a time (C = 1) every span in a
 * pass's window is that pass's, so the window reads as the pod's critical path; at C > 1 passes
 * overlap and the split is only indicative.
 */
import type { ObservedRequest } from '../src/kube/request-observer.js';
import type { EngineCall } from '../src/runtime/docker/instrumented-engine.js';
import { quantile, type PassRecord } from './common.js';

/** One call or request, on performance.now()'s clock. */
export interface Span {
  startMs: number;
  endMs: number;
  /** `docker <operation>` or `api <METHOD> <resource>[/<subresource>]`. */
  what: string;
}

/** `dockerpods/status` of `/apis/dockerpod.dev/v1alpha1/namespaces/default/dockerpods/web/status`, `events` of `/api/v1/namespaces/default/events`. */
export function resourceOf(path: string): string {
  const parts = path.split('/');
  const ns = parts.indexOf('namespaces');
  // Namespaced: after namespaces/<ns>; cluster-scoped: after /api/<version> or /apis/<group>/<version>.
  const rest = ns >= 0 && parts.length > ns + 2 ? parts.slice(ns + 2) : parts.slice(parts[1] === 'api' ? 3 : 4);
  return [rest[0] ?? '', rest[2]].filter((p) => p !== undefined && p !== '').join('/');
}

/** The spans of one run. */
export class Timeline {
  readonly spans: Span[] = [];

  /** An EngineCallRecorder: the span ends now and lasted the call's duration. */
  readonly docker = (call: EngineCall): void => {
    const now = performance.now();
    this.spans.push({ startMs: now - call.durationMs, endMs: now, what: `docker ${call.operation}` });
  };

  /** A RequestObserver: from the request handed to the agent to its response headers. Watches (long GETs) are left out. */
  readonly api = (request: ObservedRequest): void => {
    const now = performance.now();
    this.spans.push({ startMs: now - request.durationMs, endMs: now, what: `api ${request.method} ${resourceOf(request.path)}` });
  };

  /** Spans that overlap [fromMs, toMs], by start. */
  within(fromMs: number, toMs: number): Span[] {
    return this.spans.filter((s) => s.endMs > fromMs && s.startMs < toMs).sort((a, b) => a.startMs - b.startMs);
  }
}

/** How one pass's window splits (ms). */
export interface PassSplit {
  totalMs: number;
  /** Only a Docker call in flight. */
  dockerMs: number;
  /** Only an API request in flight. */
  apiMs: number;
  /** Both at once (they overlap: the slower one is on the path). */
  bothMs: number;
  /** Neither: the operator's own code, or the event loop's wait. */
  neitherMs: number;
  /**
   * No container create or start in flight: what the operator adds to the calls the dockerode
   * baseline makes too (its one sandbox inspect, ~2 ms, is counted here). The starts are most of
   * a pass and the noisiest part under load; this is the part a change of the operator can cut.
   */
  ownMs: number;
}

/** The calls the baseline makes as well, and that hold the pod up there too. */
const ENGINE_WORK = new Set(['docker createContainer', 'docker startContainer']);

/** Spans that never hold a pass up: Event writes, which the EventRecorder makes in the background. */
export const inBackground = (s: Span): boolean => s.what.startsWith('api ') && s.what.endsWith(' events');

/** Cuts [fromMs, toMs] into Docker / API / both / neither, at every span boundary (background spans left out). */
export function splitWindow(all: Span[], fromMs: number, toMs: number): PassSplit {
  const spans = all.filter((s) => !inBackground(s));
  const cuts = [...new Set([fromMs, toMs, ...spans.flatMap((s) => [s.startMs, s.endMs])])].filter((t) => t >= fromMs && t <= toMs).sort((a, b) => a - b);
  const split: PassSplit = { totalMs: toMs - fromMs, dockerMs: 0, apiMs: 0, bothMs: 0, neitherMs: 0, ownMs: 0 };
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [a, b] = [cuts[i] ?? 0, cuts[i + 1] ?? 0];
    const live = spans.filter((s) => s.startMs <= a && s.endMs >= b);
    const docker = live.some((s) => s.what.startsWith('docker'));
    const api = live.some((s) => s.what.startsWith('api'));
    const key = docker && api ? 'bothMs' : docker ? 'dockerMs' : api ? 'apiMs' : 'neitherMs';
    split[key] += b - a;
    if (!live.some((s) => ENGINE_WORK.has(s.what))) split.ownMs += b - a;
  }
  return split;
}

/** One step of a pass, as offsets from the pass's start (ms). */
export interface Step {
  what: string;
  fromMs: number;
  toMs: number;
}

/** The critical path of the first passes of a run. */
export interface CriticalPath {
  passes: number;
  /** Medians over the first passes. */
  median: PassSplit;
  /** The steps of the pass whose duration is the median, in order. */
  medianPass: Step[];
  /** Median time per kind of span inside a pass (sum of its spans' lengths, ms), and spans per pass. */
  perKind: Record<string, { count: number; medianMs: number }>;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** The first pass of each pod named, with its window. */
function firstPasses(passes: PassRecord[], names: Set<string>): Array<{ name: string; fromMs: number; toMs: number }> {
  const seen = new Set<string>();
  const out: Array<{ name: string; fromMs: number; toMs: number }> = [];
  for (const p of passes) {
    if (!names.has(p.name) || seen.has(p.name)) continue;
    seen.add(p.name);
    out.push({ name: p.name, fromMs: p.endMs - p.durationMs, toMs: p.endMs });
  }
  return out;
}

function perKindOf(windows: Span[][]): CriticalPath['perKind'] {
  const kinds = new Set(windows.flat().map((s) => s.what));
  const out: CriticalPath['perKind'] = {};
  for (const kind of kinds) {
    const sums = windows.map((spans) => spans.filter((s) => s.what === kind).reduce((a, s) => a + (s.endMs - s.startMs), 0));
    const counts = windows.map((spans) => spans.filter((s) => s.what === kind).length);
    out[kind] = { count: round1(quantile(counts, 0.5)), medianMs: round1(quantile(sums, 0.5)) };
  }
  return out;
}

/** The critical path of each pod's first pass (meaningful at C = 1: see the file's header). */
export function criticalPath(timeline: Timeline, passes: PassRecord[], names: Set<string>): CriticalPath {
  const windows = firstPasses(passes, names).map((w) => ({ ...w, spans: timeline.within(w.fromMs, w.toMs) }));
  const splits = windows.map((w) => splitWindow(w.spans, w.fromMs, w.toMs));
  const med = (key: keyof PassSplit): number => round1(quantile(splits.map((s) => s[key]), 0.5));
  const byDuration = [...windows].sort((a, b) => (a.toMs - a.fromMs) - (b.toMs - b.fromMs));
  const middle = byDuration[Math.floor(byDuration.length / 2)];
  return {
    passes: windows.length,
    median: { totalMs: med('totalMs'), dockerMs: med('dockerMs'), apiMs: med('apiMs'), bothMs: med('bothMs'), neitherMs: med('neitherMs'), ownMs: med('ownMs') },
    medianPass: middle ? middle.spans.map((s) => ({ what: s.what, fromMs: round1(s.startMs - middle.fromMs), toMs: round1(s.endMs - middle.fromMs) })) : [],
    perKind: perKindOf(windows.map((w) => w.spans)),
  };
}
