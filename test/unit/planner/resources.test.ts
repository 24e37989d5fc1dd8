/**
 * The kubelet's resource formulas: CPU shares from the request (the limit when there is no
 * request) clamped to [2, 262144]; the CFS quota from the limit over a 100 ms period with a
 * 1000 minimum; the memory limit in bytes; the QoS class (requests default to limits, zero
 * quantities ignored); and the OOM score adjustment per QoS class.
 */
import { expect } from 'chai';
import type { Container } from '../../../src/api/v1alpha1/container.js';
import { cpuQuota, cpuShares, memoryLimit, memoryRequest, oomScoreAdj, qosClass, type QosClass } from '../../../src/planner/resources.js';
import { GiB, MiB } from './fixtures.js';

type Resources = NonNullable<Container['resources']>;
const ctr = (resources?: Resources, name = 'c'): Container => ({ name, image: 'busybox:1.36', ...(resources ? { resources } : {}) });

describe('planner/resources', function () {
  describe('cpuShares', function () {
    const cases: Array<{ name: string; given: Resources | undefined; want: number }> = [
      { name: '100m -> 102', given: { requests: { cpu: '100m' } }, want: 102 },
      { name: '250m -> 256', given: { requests: { cpu: '250m' } }, want: 256 },
      { name: '1 -> 1024', given: { requests: { cpu: '1' } }, want: 1024 },
      { name: 'number 2 -> 2048', given: { requests: { cpu: 2 } }, want: 2048 },
      { name: '0.5 -> 512', given: { requests: { cpu: '0.5' } }, want: 512 },
      { name: 'no resources -> 2', given: undefined, want: 2 },
      { name: 'memory only -> 2', given: { requests: { memory: '64Mi' } }, want: 2 },
      { name: 'tiny 1m -> 2', given: { requests: { cpu: '1m' } }, want: 2 },
      { name: '2m -> 2', given: { requests: { cpu: '2m' } }, want: 2 },
      { name: '3m -> 3', given: { requests: { cpu: '3m' } }, want: 3 },
      { name: '256 cores -> exactly the max', given: { requests: { cpu: '256' } }, want: 262144 },
      { name: 'huge -> 262144', given: { requests: { cpu: '300' } }, want: 262144 },
      { name: 'only a limit -> uses the limit', given: { limits: { cpu: '500m' } }, want: 512 },
      { name: 'request and limit -> uses the request', given: { requests: { cpu: '250m' }, limits: { cpu: '1' } }, want: 256 },
      { name: 'zero request with a limit -> uses the limit', given: { requests: { cpu: '0' }, limits: { cpu: '1' } }, want: 1024 },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(cpuShares(ctr(given))).to.equal(want);
      });
    }
  });

  describe('cpuQuota', function () {
    const cases: Array<{ name: string; given: Resources | undefined; want: { quota: number; period: number } | undefined }> = [
      { name: '500m -> 50000/100000', given: { limits: { cpu: '500m' } }, want: { quota: 50000, period: 100000 } },
      { name: '2 -> 200000/100000', given: { limits: { cpu: '2' } }, want: { quota: 200000, period: 100000 } },
      { name: '1500m -> 150000', given: { limits: { cpu: '1500m' } }, want: { quota: 150000, period: 100000 } },
      { name: '1m -> the 1000 minimum', given: { limits: { cpu: '1m' } }, want: { quota: 1000, period: 100000 } },
      { name: '10m -> 1000 exactly', given: { limits: { cpu: '10m' } }, want: { quota: 1000, period: 100000 } },
      { name: '11m -> 1100', given: { limits: { cpu: '11m' } }, want: { quota: 1100, period: 100000 } },
      { name: 'no limit -> none', given: undefined, want: undefined },
      { name: 'request only -> none (requests never cap)', given: { requests: { cpu: '1' } }, want: undefined },
      { name: 'zero limit -> none', given: { limits: { cpu: '0' } }, want: undefined },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(cpuQuota(ctr(given))).to.deep.equal(want);
      });
    }
  });

  describe('memoryLimit and memoryRequest', function () {
    const cases: Array<{ name: string; given: Resources | undefined; want: { limit: number; request: number } }> = [
      { name: '256Mi', given: { limits: { memory: '256Mi' } }, want: { limit: 268435456, request: 268435456 } },
      { name: '1G (decimal)', given: { limits: { memory: '1G' } }, want: { limit: 1_000_000_000, request: 1_000_000_000 } },
      { name: '1.5Gi', given: { limits: { memory: '1.5Gi' } }, want: { limit: 1610612736, request: 1610612736 } },
      { name: 'plain bytes', given: { limits: { memory: '128974848' } }, want: { limit: 128974848, request: 128974848 } },
      { name: 'exponent', given: { limits: { memory: '129e6' } }, want: { limit: 129_000_000, request: 129_000_000 } },
      { name: 'request below the limit', given: { requests: { memory: '64Mi' }, limits: { memory: '128Mi' } }, want: { limit: 128 * MiB, request: 64 * MiB } },
      { name: 'request only: no limit', given: { requests: { memory: '64Mi' } }, want: { limit: 0, request: 64 * MiB } },
      { name: 'nothing', given: undefined, want: { limit: 0, request: 0 } },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect({ limit: memoryLimit(ctr(given)), request: memoryRequest(ctr(given)) }).to.deep.equal(want);
      });
    }
  });

  describe('qosClass', function () {
    const guaranteed: Resources = { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } };
    const cases: Array<{ name: string; given: Array<Resources | undefined>; want: QosClass }> = [
      { name: 'no containers with resources', given: [undefined, undefined], want: 'BestEffort' },
      { name: 'empty resources', given: [{}], want: 'BestEffort' },
      { name: 'requests equal to limits', given: [guaranteed], want: 'Guaranteed' },
      { name: 'limits only (requests default to them)', given: [{ limits: { cpu: '1', memory: '1Gi' } }], want: 'Guaranteed' },
      { name: 'equal quantities written differently', given: [{ requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: '1', memory: '1Gi' } }], want: 'Guaranteed' },
      { name: 'every container guaranteed', given: [guaranteed, { limits: { cpu: '2', memory: '2Gi' } }], want: 'Guaranteed' },
      { name: 'memory limit only', given: [{ limits: { memory: '128Mi' } }], want: 'Burstable' },
      { name: 'cpu request below the limit', given: [{ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } }], want: 'Burstable' },
      { name: 'requests only', given: [{ requests: { cpu: '100m', memory: '64Mi' } }], want: 'Burstable' },
      { name: 'one guaranteed, one best-effort', given: [guaranteed, undefined], want: 'Burstable' },
      { name: 'zero quantities are ignored', given: [{ requests: { cpu: '0' }, limits: { memory: '0' } }], want: 'BestEffort' },
      { name: 'zero limits never make a pod guaranteed', given: [{ limits: { cpu: '0', memory: '0' } }], want: 'BestEffort' },
      { name: 'a zero cpu limit beside a memory limit', given: [{ limits: { cpu: '0', memory: '128Mi' } }], want: 'Burstable' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name} -> ${want}`, function () {
        expect(qosClass(given.map((r, i) => ctr(r, `c${i}`)))).to.equal(want);
      });
    }
  });

  describe('oomScoreAdj', function () {
    const cap = 4 * GiB;
    const cases: Array<{ name: string; given: { qos: QosClass; resources?: Resources; capacity: number }; want: number }> = [
      { name: 'Guaranteed', given: { qos: 'Guaranteed', resources: { limits: { cpu: '1', memory: '1Gi' } }, capacity: cap }, want: -997 },
      { name: 'BestEffort', given: { qos: 'BestEffort', capacity: cap }, want: 1000 },
      { name: 'Burstable 128Mi of 4Gi: 1000 - 31', given: { qos: 'Burstable', resources: { requests: { memory: '128Mi' } }, capacity: cap }, want: 969 },
      { name: 'Burstable, request defaulted from the limit', given: { qos: 'Burstable', resources: { limits: { memory: '256Mi' } }, capacity: cap }, want: 938 },
      { name: 'Burstable half of the memory', given: { qos: 'Burstable', resources: { requests: { memory: '2Gi' } }, capacity: cap }, want: 500 },
      { name: 'Burstable without a memory request: 1000 -> 999', given: { qos: 'Burstable', resources: { requests: { cpu: '1' } }, capacity: cap }, want: 999 },
      { name: 'Burstable 1 byte: 999', given: { qos: 'Burstable', resources: { requests: { memory: '1' } }, capacity: cap }, want: 999 },
      { name: 'Burstable 99.8%: 2 -> 3', given: { qos: 'Burstable', resources: { requests: { memory: String(Math.ceil(cap * 0.998)) } }, capacity: cap }, want: 3 },
      { name: 'Burstable the whole memory: 0 -> 3', given: { qos: 'Burstable', resources: { requests: { memory: '4Gi' } }, capacity: cap }, want: 3 },
      { name: 'Burstable beyond the memory: negative -> 3', given: { qos: 'Burstable', resources: { requests: { memory: '8Gi' } }, capacity: cap }, want: 3 },
      { name: 'Burstable with unknown capacity: 3', given: { qos: 'Burstable', resources: { requests: { memory: '1Mi' } }, capacity: 0 }, want: 3 },
    ];
    for (const { name, given, want } of cases) {
      it(`${name} -> ${want}`, function () {
        expect(oomScoreAdj(given.qos, ctr(given.resources), given.capacity)).to.equal(want);
      });
    }
  });
});
