/**
 * The kubelet's probe workers as a pure state machine: thresholds of consecutive results,
 * initial values (readiness not ready, liveness healthy, startup not started), Unknown thrown
 * away, liveness/startup failures holding the worker until a new instance, startup gating the
 * other probes and never running again once passed, initialDelaySeconds from the container's
 * start, a period between attempt starts, and termination stopping liveness and startup.
 */
import { expect } from 'chai';
import type { Probe } from '../../../src/api/v1alpha1/container.js';
import {
  containerProbesFor,
  dueProbes,
  isReady,
  isStarted,
  newProbeState,
  nextProbeAt,
  probeStateFor,
  probeTiming,
  recordResult,
  type ContainerProbes,
  type ProbeKind,
  type ProbeResult,
  type ProbeState,
  type ProbeTransition,
} from '../../../src/planner/probes.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const CONTAINER = { id: 'c1', startedAt: T0 };
const EXEC: Probe = { exec: { command: ['true'] } };

/** Feeds `results` one period apart; returns the published value and transition after each. */
function run(kind: ProbeKind, spec: Probe, results: ProbeResult[]): Array<[ProbeResult, ProbeTransition | '-']> {
  let state = newProbeState(kind, CONTAINER);
  return results.map((result, i) => {
    const update = recordResult(state, spec, result, T0 + i * 10_000);
    state = update.state;
    return [state.value, update.transition ?? '-'];
  });
}

describe('planner/probes', function () {
  describe('probeTiming', function () {
    it('applies the kubelet defaults', () => {
      expect(probeTiming('readiness', EXEC)).to.deep.equal({ initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
    });
    it('keeps successThreshold for readiness only (liveness and startup must succeed once)', () => {
      const spec: Probe = { ...EXEC, initialDelaySeconds: 5, periodSeconds: 2, timeoutSeconds: 3, successThreshold: 4, failureThreshold: 6 };
      expect(probeTiming('readiness', spec)).to.deep.equal({ initialDelayMs: 5000, periodMs: 2000, timeoutMs: 3000, successThreshold: 4, failureThreshold: 6 });
      expect(probeTiming('liveness', spec).successThreshold).to.equal(1);
      expect(probeTiming('startup', spec).successThreshold).to.equal(1);
    });
  });

  describe('initial values', function () {
    const cases: Array<{ kind: ProbeKind; want: ProbeResult }> = [
      { kind: 'readiness', want: 'Failure' },
      { kind: 'liveness', want: 'Success' },
      { kind: 'startup', want: 'Unknown' },
    ];
    for (const { kind, want } of cases) {
      it(`${kind} starts as ${want}`, () => {
        expect(newProbeState(kind, CONTAINER)).to.deep.equal({ kind, containerId: 'c1', containerStartedAt: T0, value: want, run: 0, onHold: false });
      });
    }
  });

  describe('recordResult: thresholds and transitions', function () {
    const S = 'Success';
    const F = 'Failure';
    const U = 'Unknown';
    const cases: Array<{ name: string; kind: ProbeKind; spec?: Partial<Probe>; results: ProbeResult[]; want: Array<[ProbeResult, ProbeTransition | '-']> }> = [
      { name: 'readiness: one success makes it ready', kind: 'readiness', results: [S, S], want: [[S, 'ready'], [S, '-']] },
      {
        name: 'readiness: three failures in a row (default) make it not ready again',
        kind: 'readiness',
        results: [S, F, F, F, F],
        want: [[S, 'ready'], [S, '-'], [S, '-'], [F, 'notReady'], [F, '-']],
      },
      {
        name: 'readiness: a success breaks a run of failures',
        kind: 'readiness',
        results: [S, F, F, S, F, F, F],
        want: [[S, 'ready'], [S, '-'], [S, '-'], [S, '-'], [S, '-'], [S, '-'], [F, 'notReady']],
      },
      {
        name: 'readiness: successThreshold 3 needs three successes in a row',
        kind: 'readiness',
        spec: { successThreshold: 3 },
        results: [S, S, F, S, S, S],
        want: [[F, '-'], [F, '-'], [F, '-'], [F, '-'], [F, '-'], [S, 'ready']],
      },
      { name: 'readiness: failures while not ready change nothing', kind: 'readiness', results: [F, F, F, F], want: [[F, '-'], [F, '-'], [F, '-'], [F, '-']] },
      {
        name: 'readiness: Unknown is thrown away (neither counts nor breaks a run)',
        kind: 'readiness',
        spec: { failureThreshold: 2 },
        results: [S, F, U, F],
        want: [[S, 'ready'], [S, '-'], [S, '-'], [F, 'notReady']],
      },
      {
        name: 'readiness keeps probing after not ready, and recovers',
        kind: 'readiness',
        spec: { failureThreshold: 1 },
        results: [S, F, S],
        want: [[S, 'ready'], [F, 'notReady'], [S, 'ready']],
      },
      {
        name: 'liveness: failureThreshold failures in a row fail it, then the worker holds',
        kind: 'liveness',
        results: [F, F, S, F, F, F, F, S],
        want: [[S, '-'], [S, '-'], [S, '-'], [S, '-'], [S, '-'], [F, 'livenessFailed'], [F, '-'], [F, '-']],
      },
      { name: 'liveness: successes are silent (it starts healthy)', kind: 'liveness', results: [S, S], want: [[S, '-'], [S, '-']] },
      { name: 'liveness: failureThreshold 1 fails at once', kind: 'liveness', spec: { failureThreshold: 1 }, results: [F], want: [[F, 'livenessFailed']] },
      {
        name: 'liveness ignores successThreshold (it must be 1)',
        kind: 'liveness',
        spec: { successThreshold: 5, failureThreshold: 1 },
        results: [S, F],
        want: [[S, '-'], [F, 'livenessFailed']],
      },
      { name: 'startup: one success starts the container, and it is done', kind: 'startup', results: [S, F, F, F], want: [[S, 'started'], [S, '-'], [S, '-'], [S, '-']] },
      {
        name: 'startup: failureThreshold failures fail it (restart), then the worker holds',
        kind: 'startup',
        spec: { failureThreshold: 2 },
        results: [F, U, F, S],
        want: [[U, '-'], [U, '-'], [F, 'startupFailed'], [F, '-']],
      },
      {
        name: 'startup: failures short of the threshold, then a success',
        kind: 'startup',
        spec: { failureThreshold: 30 },
        results: [F, F, F, S],
        want: [[U, '-'], [U, '-'], [U, '-'], [S, 'started']],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(run(c.kind, { ...EXEC, ...c.spec }, c.results)).to.deep.equal(c.want);
      });
    }

    it('records when the attempt began, even for Unknown', () => {
      const state = newProbeState('readiness', CONTAINER);
      expect(recordResult(state, EXEC, 'Unknown', T0 + 5).state.lastProbeAt).to.equal(T0 + 5);
      expect(recordResult(state, EXEC, 'Success', T0 + 7).state.lastProbeAt).to.equal(T0 + 7);
    });

    it('resets the run when liveness goes on hold, and ignores late results', () => {
      const failed = recordResult(newProbeState('liveness', CONTAINER), { ...EXEC, failureThreshold: 1 }, 'Failure', T0).state;
      expect(failed).to.include({ value: 'Failure', run: 0, onHold: true });
      expect(recordResult(failed, EXEC, 'Success', T0 + 1)).to.deep.equal({ state: failed });
    });
  });

  describe('nextProbeAt', function () {
    const started = { started: true };
    const cases: Array<{ name: string; kind: ProbeKind; spec?: Partial<Probe>; state?: Partial<ProbeState>; now: number; gate?: { started: boolean; terminating?: boolean }; want: number | undefined }> = [
      { name: 'first attempt at the container start without initialDelaySeconds', kind: 'readiness', now: T0, want: T0 },
      { name: 'first attempt initialDelaySeconds after the start', kind: 'readiness', spec: { initialDelaySeconds: 15 }, now: T0 + 1000, want: T0 + 15_000 },
      { name: 'never before now (an operator that restarted late)', kind: 'liveness', spec: { initialDelaySeconds: 15 }, now: T0 + 60_000, want: T0 + 60_000 },
      { name: 'a period after the previous attempt began', kind: 'liveness', spec: { periodSeconds: 3 }, state: { lastProbeAt: T0 + 20_000 }, now: T0 + 20_500, want: T0 + 23_000 },
      { name: 'initialDelay still wins over an early previous attempt', kind: 'readiness', spec: { initialDelaySeconds: 30, periodSeconds: 5 }, state: { lastProbeAt: T0 }, now: T0 + 6000, want: T0 + 30_000 },
      { name: 'readiness waits for startup', kind: 'readiness', now: T0, gate: { started: false }, want: undefined },
      { name: 'liveness waits for startup', kind: 'liveness', now: T0, gate: { started: false }, want: undefined },
      { name: 'startup runs before the container started', kind: 'startup', spec: { periodSeconds: 1 }, state: { lastProbeAt: T0 }, now: T0, gate: { started: false }, want: T0 + 1000 },
      { name: 'startup never runs again once it passed', kind: 'startup', state: { value: 'Success' }, now: T0, want: undefined },
      { name: 'a held worker (liveness failed) waits for a new instance', kind: 'liveness', state: { value: 'Failure', onHold: true }, now: T0, want: undefined },
      { name: 'termination stops liveness', kind: 'liveness', now: T0, gate: { started: true, terminating: true }, want: undefined },
      { name: 'termination stops startup', kind: 'startup', now: T0, gate: { started: false, terminating: true }, want: undefined },
      { name: 'termination does not stop readiness', kind: 'readiness', now: T0, gate: { started: true, terminating: true }, want: T0 },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const state = { ...newProbeState(c.kind, CONTAINER), ...c.state };
        expect(nextProbeAt(state, { ...EXEC, ...c.spec }, c.now, c.gate ?? started)).to.equal(c.want);
      });
    }
  });

  describe('container instances', function () {
    it('keeps the worker of the same instance and starts afresh for a new one (a restart)', () => {
      const failed = recordResult(newProbeState('liveness', CONTAINER), { ...EXEC, failureThreshold: 1 }, 'Failure', T0).state;
      expect(probeStateFor('liveness', CONTAINER, failed)).to.equal(failed);
      expect(probeStateFor('liveness', { id: 'c2', startedAt: T0 + 9000 }, failed)).to.deep.equal(newProbeState('liveness', { id: 'c2', startedAt: T0 + 9000 }));
    });

    it('builds workers only for the probes the container has', () => {
      expect(Object.keys(containerProbesFor({ readinessProbe: EXEC }, CONTAINER))).to.deep.equal(['readiness']);
      expect(containerProbesFor({}, CONTAINER)).to.deep.equal({});
    });
  });

  describe('started, ready and the due probes of a container', function () {
    const specs = { startupProbe: { ...EXEC, periodSeconds: 1, failureThreshold: 30 }, livenessProbe: { ...EXEC, initialDelaySeconds: 2 }, readinessProbe: { ...EXEC, periodSeconds: 5 } };

    it('is started and ready without probes', () => {
      expect([isStarted({}), isReady({})]).to.deep.equal([true, true]);
    });

    it('walks a container through startup, readiness and a liveness failure', () => {
      let probes: ContainerProbes = containerProbesFor(specs, CONTAINER);
      expect([isStarted(probes), isReady(probes)]).to.deep.equal([false, false]);
      expect(dueProbes(probes, specs, T0)).to.deep.equal([{ kind: 'startup', at: T0 }]);

      const startup = recordResult(probes.startup as ProbeState, specs.startupProbe, 'Success', T0 + 3000);
      expect(startup.transition).to.equal('started');
      probes = { ...probes, startup: startup.state };
      expect([isStarted(probes), isReady(probes)]).to.deep.equal([true, false]);
      // Gated probes become due at once (liveness's initialDelay has passed); startup is done.
      expect(dueProbes(probes, specs, T0 + 3100)).to.deep.equal([{ kind: 'liveness', at: T0 + 3100 }, { kind: 'readiness', at: T0 + 3100 }]);

      const ready = recordResult(probes.readiness as ProbeState, specs.readinessProbe, 'Success', T0 + 3100);
      expect(ready.transition).to.equal('ready');
      probes = { ...probes, readiness: ready.state };
      expect(isReady(probes)).to.equal(true);

      let liveness = probes.liveness as ProbeState;
      const transitions: Array<ProbeTransition | undefined> = [];
      for (let i = 0; i < 3; i++) {
        const update = recordResult(liveness, specs.livenessProbe, 'Failure', T0 + 3100 + i * 10_000);
        liveness = update.state;
        transitions.push(update.transition);
      }
      expect(transitions).to.deep.equal([undefined, undefined, 'livenessFailed']);
      probes = { ...probes, liveness };
      expect(dueProbes(probes, specs, T0 + 40_000)).to.deep.equal([{ kind: 'readiness', at: T0 + 40_000 }]);

      // The restart: a new instance, every worker fresh, startup first again.
      const restarted = containerProbesFor(specs, { id: 'c2', startedAt: T0 + 45_000 }, probes);
      expect([isStarted(restarted), isReady(restarted)]).to.deep.equal([false, false]);
      expect(dueProbes(restarted, specs, T0 + 45_000)).to.deep.equal([{ kind: 'startup', at: T0 + 45_000 }]);
    });
  });
});
