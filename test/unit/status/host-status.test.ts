/**
 * The DockerHost status from a heartbeat: the first one fills everything; a steady host within
 * 40 s gives a status deep-equal to the one it has (so no write), and after 40 s only
 * lastHeartbeatTime moves; a failed heartbeat flips Ready to False with the heartbeat's reason and
 * message and keeps the last engine facts and heartbeat time; recovery moves lastTransitionTime;
 * any other change (allocated, pods, engine, generation) refreshes lastHeartbeatTime at once.
 * And hostReady reads the Ready condition.
 */
import { expect } from 'chai';
import type { DockerHost, DockerHostStatus } from '../../../src/api/v1alpha1/dockerhost.js';
import { deriveHostStatus, hostReady, type HeartbeatResult, type HostStatusInput } from '../../../src/status/host-status.js';
import { canonicalJson } from '../../../src/util/canonical.js';

const T0_MS = Date.parse('2026-03-01T10:00:00Z');
const at = (seconds: number): { now: string; nowMs: number } => {
  const nowMs = T0_MS + seconds * 1000;
  return { now: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'), nowMs };
};
const T0 = at(0).now;

const OK: HeartbeatResult = {
  ok: true,
  info: { version: '20.10.24', apiVersion: '1.41', os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-18-amd64', cgroupDriver: 'systemd', cgroupVersion: '2', cpus: 8, memoryBytes: 33_554_432 * 1024 },
};
const UPGRADED: HeartbeatResult = { ok: true, info: { ...OK.info, version: '24.0.7' } };
const REFUSED: HeartbeatResult = { ok: false, reason: 'EngineUnreachable', message: 'connect ECONNREFUSED 10.0.0.5:2376' };
const TIMED_OUT: HeartbeatResult = { ok: false, reason: 'EngineUnreachable', message: 'ping timed out' };
const BAD_CERT: HeartbeatResult = { ok: false, reason: 'TLSError', message: 'sslv3 alert bad certificate' };

const ENGINE = { version: '20.10.24', apiVersion: '1.41', os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-18-amd64', cgroupDriver: 'systemd', cgroupVersion: '2', cpus: 8, memory: '32Gi' };
const ALLOCATABLE = { cpu: '7500m', memory: '31Gi', pods: 110 };
const ALLOCATED = { cpu: '250m', memory: '128Mi', pods: 1 };
const READY_MESSAGE = 'Docker 20.10.24 (API 1.41) answered';

const readyTrue = (since: string, generation = 3): NonNullable<DockerHostStatus['conditions']>[number] =>
  ({ type: 'Ready', status: 'True', reason: 'EngineReady', message: READY_MESSAGE, lastTransitionTime: since, observedGeneration: generation });
const readyFalse = (problem: HeartbeatResult, since: string, generation = 3): NonNullable<DockerHostStatus['conditions']>[number] => {
  if (problem.ok) throw new Error('a failed heartbeat expected');
  return { type: 'Ready', status: 'False', reason: problem.reason, message: problem.message, lastTransitionTime: since, observedGeneration: generation };
};

/** The status of a host that has been steady since T0. */
const STEADY: DockerHostStatus = {
  conditions: [readyTrue(T0)],
  engine: ENGINE,
  allocatable: ALLOCATABLE,
  allocated: ALLOCATED,
  pods: 1,
  lastHeartbeatTime: T0,
  observedGeneration: 3,
};
/** The status of a host whose engine stopped answering 15 s after T0. */
const DOWN: DockerHostStatus = { ...STEADY, conditions: [readyFalse(REFUSED, at(15).now)] };

function host(status: DockerHostStatus | undefined, generation = 3): DockerHost {
  return {
    apiVersion: 'dockerpod.dev/v1alpha1',
    kind: 'DockerHost',
    metadata: { name: 'node1', uid: 'u-1', generation },
    spec: { endpoint: 'tcp://10.0.0.5:2376', reserved: { cpu: '500m', memory: '1Gi' } },
    ...(status ? { status } : {}),
  };
}

interface Given {
  previous: DockerHostStatus | undefined;
  heartbeat: HeartbeatResult;
  seconds: number;
  generation?: number;
  allocatable?: HostStatusInput['allocatable'] | null;
  allocated?: HostStatusInput['allocated'];
  pods?: number;
  heartbeatRefreshMs?: number;
}

function input(given: Given): HostStatusInput {
  return {
    host: host(given.previous, given.generation),
    heartbeat: given.heartbeat,
    allocatable: given.allocatable === null ? undefined : (given.allocatable ?? ALLOCATABLE),
    allocated: given.allocated ?? ALLOCATED,
    pods: given.pods ?? 1,
    ...at(given.seconds),
    ...(given.heartbeatRefreshMs !== undefined ? { heartbeatRefreshMs: given.heartbeatRefreshMs } : {}),
  };
}

describe('status/host-status', function () {
  describe('deriveHostStatus', function () {
    const cases: Array<{ name: string; given: Given; want: DockerHostStatus }> = [
      {
        name: 'first heartbeat: Ready since now, the engine\'s facts, heartbeat now',
        given: { previous: undefined, heartbeat: OK, seconds: 0 },
        want: STEADY,
      },
      {
        name: 'steady within 40 s: the very status the host has (no write)',
        given: { previous: STEADY, heartbeat: OK, seconds: 39 },
        want: STEADY,
      },
      {
        name: 'steady after 40 s: only lastHeartbeatTime moves',
        given: { previous: STEADY, heartbeat: OK, seconds: 40 },
        want: { ...STEADY, lastHeartbeatTime: at(40).now },
      },
      {
        name: 'a shorter refresh period',
        given: { previous: STEADY, heartbeat: OK, seconds: 10, heartbeatRefreshMs: 10_000 },
        want: { ...STEADY, lastHeartbeatTime: at(10).now },
      },
      {
        name: 'failure: Ready False with the heartbeat\'s reason and message; engine facts and heartbeat time kept',
        given: { previous: STEADY, heartbeat: REFUSED, seconds: 15 },
        want: DOWN,
      },
      {
        name: 'still failing, differently: the message follows, the transition time and heartbeat time stay',
        given: { previous: DOWN, heartbeat: TIMED_OUT, seconds: 120 },
        want: { ...DOWN, conditions: [readyFalse(TIMED_OUT, at(15).now)] },
      },
      {
        name: 'failing for another reason: reason and message follow, the transition time stays',
        given: { previous: DOWN, heartbeat: BAD_CERT, seconds: 130 },
        want: { ...DOWN, conditions: [readyFalse(BAD_CERT, at(15).now)] },
      },
      {
        name: 'still failing, the same way, after 40 s: nothing changes (no heartbeat to record)',
        given: { previous: DOWN, heartbeat: REFUSED, seconds: 300 },
        want: DOWN,
      },
      {
        name: 'recovery: Ready True since now, heartbeat now',
        given: { previous: DOWN, heartbeat: OK, seconds: 20 },
        want: { ...STEADY, conditions: [readyTrue(at(20).now)], lastHeartbeatTime: at(20).now },
      },
      {
        name: 'allocated changed within 40 s: written with a fresh heartbeat time',
        given: { previous: STEADY, heartbeat: OK, seconds: 5, allocated: { cpu: '500m', memory: '256Mi', pods: 2 }, pods: 2 },
        want: { ...STEADY, allocated: { cpu: '500m', memory: '256Mi', pods: 2 }, pods: 2, lastHeartbeatTime: at(5).now },
      },
      {
        name: 'allocatable changed (spec.reserved edited) and the generation with it',
        given: { previous: STEADY, heartbeat: OK, seconds: 5, generation: 4, allocatable: { cpu: '7', memory: '30Gi', pods: 110 } },
        want: { ...STEADY, conditions: [readyTrue(T0, 4)], allocatable: { cpu: '7', memory: '30Gi', pods: 110 }, observedGeneration: 4, lastHeartbeatTime: at(5).now },
      },
      {
        name: 'an engine upgrade: new facts and message, Ready kept since T0',
        given: { previous: STEADY, heartbeat: UPGRADED, seconds: 5 },
        want: {
          ...STEADY,
          conditions: [{ ...readyTrue(T0), message: 'Docker 24.0.7 (API 1.41) answered' }],
          engine: { ...ENGINE, version: '24.0.7' },
          lastHeartbeatTime: at(5).now,
        },
      },
      {
        name: 'a failed first heartbeat: no engine facts, no heartbeat time',
        given: { previous: undefined, heartbeat: BAD_CERT, seconds: 0, allocatable: null, allocated: {}, pods: 0 },
        want: { conditions: [readyFalse(BAD_CERT, T0)], allocated: {}, pods: 0, observedGeneration: 3 },
      },
      {
        name: 'unknown allocatable: the field is absent',
        given: { previous: STEADY, heartbeat: OK, seconds: 5, allocatable: null },
        want: { conditions: STEADY.conditions, engine: ENGINE, allocated: ALLOCATED, pods: 1, lastHeartbeatTime: at(5).now, observedGeneration: 3 },
      },
      {
        name: 'other condition types are the caller\'s: not carried over, not a change',
        given: { previous: { ...STEADY, conditions: [readyTrue(T0), { type: 'Terminating', status: 'True', reason: 'PodsBound', lastTransitionTime: T0, observedGeneration: 3 }] }, heartbeat: OK, seconds: 5 },
        want: STEADY,
      },
      {
        name: 'an unreadable previous heartbeat time is refreshed',
        given: { previous: { ...STEADY, lastHeartbeatTime: 'yesterday' }, heartbeat: OK, seconds: 5 },
        want: { ...STEADY, lastHeartbeatTime: at(5).now },
      },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        const got = deriveHostStatus(input(given));
        expect(got).to.deep.equal(want);
        if (given.previous && canonicalJson(want) === canonicalJson(given.previous)) expect(canonicalJson(got), 'the caller skips the write').to.equal(canonicalJson(given.previous));
      });
    }

    it('engine strings the engine left empty are absent; memory is a quantity', function () {
      const bare: HeartbeatResult = { ok: true, info: { version: '20.10.24', apiVersion: '1.41', os: '', kernel: '', cgroupDriver: 'cgroupfs', cgroupVersion: '', cpus: 2, memoryBytes: 25_276_514_304 } };
      expect(deriveHostStatus(input({ previous: undefined, heartbeat: bare, seconds: 0 })).engine)
        .to.deep.equal({ version: '20.10.24', apiVersion: '1.41', cgroupDriver: 'cgroupfs', cpus: 2, memory: '24684096Ki' });
    });

    it('a sequence of passes writes only on changes and every 40 s', function () {
      const script: Array<[seconds: number, heartbeat: HeartbeatResult]> = [
        [0, OK], [10, OK], [20, OK], [30, OK], [40, OK], [50, OK], [60, REFUSED], [70, REFUSED], [80, OK], [90, OK], [100, OK], [120, OK],
      ];
      let current: DockerHostStatus | undefined;
      const writes: number[] = [];
      for (const [seconds, heartbeat] of script) {
        const next = deriveHostStatus(input({ previous: current, heartbeat, seconds }));
        if (canonicalJson(next) !== canonicalJson(current ?? {})) writes.push(seconds);
        current = next;
      }
      expect(writes).to.deep.equal([0, 40, 60, 80, 120]);
    });
  });

  describe('hostReady', function () {
    const cases: Array<{ name: string; status: DockerHostStatus | undefined; want: boolean }> = [
      { name: 'no status yet', status: undefined, want: false },
      { name: 'no conditions', status: { pods: 0 }, want: false },
      { name: 'Ready True', status: STEADY, want: true },
      { name: 'Ready False', status: DOWN, want: false },
      { name: 'Ready Unknown', status: { conditions: [{ type: 'Ready', status: 'Unknown' }] }, want: false },
      { name: 'only other conditions True', status: { conditions: [{ type: 'Terminating', status: 'True' }] }, want: false },
    ];
    for (const { name, status, want } of cases) {
      it(`${name}: ${want}`, function () {
        expect(hostReady(host(status))).to.equal(want);
      });
    }
  });
});
