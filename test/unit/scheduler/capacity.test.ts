/**
 * A host's allocatable as a kubelet computes a node's: capacity from spec.capacity where given,
 * else the engine's facts, 110 pods by default, minus spec.reserved and never below zero; and
 * its rendering as API quantities for the DockerHost status (whole cores or millicores; Gi, Mi
 * or Ki when exact, else bytes), which parses back to the same amounts.
 */
import { expect } from 'chai';
import { milliValue, parseQuantity, value } from '../../../src/api/quantity.js';
import type { DockerHostSpec } from '../../../src/api/v1alpha1/dockerhost.js';
import { hostAllocatable, renderResources, type EngineFacts, type RenderedResources, type Resources } from '../../../src/scheduler/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const ENDPOINT = 'unix:///var/run/docker.sock';
const ENGINE: EngineFacts = { cpus: 8, memoryBytes: 16 * GiB };
const spec = (rest: Omit<DockerHostSpec, 'endpoint'> = {}): DockerHostSpec => ({ endpoint: ENDPOINT, ...rest });

describe('scheduler/capacity', function () {
  describe('hostAllocatable', function () {
    const cases: Array<{ name: string; given: { spec: DockerHostSpec; engine?: EngineFacts }; want: Resources }> = [
      { name: 'the engine facts, 110 pods', given: { spec: spec(), engine: ENGINE }, want: { cpuMilli: 8000, memoryBytes: 16 * GiB, pods: 110 } },
      { name: 'no engine facts and no capacity: nothing but pods', given: { spec: spec() }, want: { cpuMilli: 0, memoryBytes: 0, pods: 110 } },
      {
        name: 'spec.capacity overrides the engine',
        given: { spec: spec({ capacity: { cpu: '4', memory: '8Gi', pods: 20 } }), engine: ENGINE },
        want: { cpuMilli: 4000, memoryBytes: 8 * GiB, pods: 20 },
      },
      { name: 'spec.capacity without an engine', given: { spec: spec({ capacity: { cpu: '1500m', memory: '512Mi' } }) }, want: { cpuMilli: 1500, memoryBytes: 512 * MiB, pods: 110 } },
      { name: 'field by field: cpu from the spec, memory from the engine', given: { spec: spec({ capacity: { cpu: 2 } }), engine: ENGINE }, want: { cpuMilli: 2000, memoryBytes: 16 * GiB, pods: 110 } },
      { name: 'field by field: memory from the spec, cpu from the engine', given: { spec: spec({ capacity: { memory: '1G' } }), engine: ENGINE }, want: { cpuMilli: 8000, memoryBytes: 1e9, pods: 110 } },
      { name: 'a zero capacity is a capacity', given: { spec: spec({ capacity: { cpu: '0', pods: 0 } }), engine: ENGINE }, want: { cpuMilli: 0, memoryBytes: 16 * GiB, pods: 0 } },
      {
        name: 'minus reserved',
        given: { spec: spec({ reserved: { cpu: '500m', memory: '1Gi', pods: 10 } }), engine: ENGINE },
        want: { cpuMilli: 7500, memoryBytes: 15 * GiB, pods: 100 },
      },
      {
        name: 'capacity minus reserved',
        given: { spec: spec({ capacity: { cpu: '4', memory: '8Gi', pods: 20 }, reserved: { cpu: '1', memory: '512Mi', pods: 2 } }), engine: ENGINE },
        want: { cpuMilli: 3000, memoryBytes: 7.5 * GiB, pods: 18 },
      },
      {
        name: 'reserved beyond capacity: never below zero',
        given: { spec: spec({ capacity: { cpu: '1', memory: '1Gi', pods: 5 }, reserved: { cpu: '2', memory: '2Gi', pods: 6 } }) },
        want: { cpuMilli: 0, memoryBytes: 0, pods: 0 },
      },
      { name: 'reserved without engine facts', given: { spec: spec({ reserved: { cpu: '100m', memory: '64Mi' } }) }, want: { cpuMilli: 0, memoryBytes: 0, pods: 110 } },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(hostAllocatable(given.spec, given.engine)).to.deep.equal(want);
      });
    }
  });

  describe('renderResources', function () {
    const cases: Array<{ name: string; given: Resources; want: RenderedResources }> = [
      { name: 'whole cores and Gi', given: { cpuMilli: 4000, memoryBytes: 8 * GiB, pods: 110 }, want: { cpu: '4', memory: '8Gi', pods: 110 } },
      { name: 'millicores and Mi', given: { cpuMilli: 1500, memoryBytes: 1536 * MiB, pods: 3 }, want: { cpu: '1500m', memory: '1536Mi', pods: 3 } },
      { name: 'nothing', given: { cpuMilli: 0, memoryBytes: 0, pods: 0 }, want: { cpu: '0', memory: '0', pods: 0 } },
      { name: 'Ki', given: { cpuMilli: 1, memoryBytes: 3 * 1024, pods: 1 }, want: { cpu: '1m', memory: '3Ki', pods: 1 } },
      { name: 'decimal memory stays in bytes', given: { cpuMilli: 250, memoryBytes: 1e9, pods: 1 }, want: { cpu: '250m', memory: '1000000000', pods: 1 } },
      { name: 'odd bytes', given: { cpuMilli: 12000, memoryBytes: GiB + 1, pods: 1 }, want: { cpu: '12', memory: '1073741825', pods: 1 } },
      { name: 'the largest exact suffix', given: { cpuMilli: 100, memoryBytes: 1024 * GiB, pods: 1 }, want: { cpu: '100m', memory: '1024Gi', pods: 1 } },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${want.cpu} ${want.memory}`, function () {
        const rendered = renderResources(given);
        expect(rendered).to.deep.equal(want);
        const cpu = parseQuantity(rendered.cpu);
        const memory = parseQuantity(rendered.memory);
        expect(cpu && Number(milliValue(cpu))).to.equal(given.cpuMilli);
        expect(memory && Number(value(memory))).to.equal(given.memoryBytes);
      });
    }

    it('renders a HostLoad (its ports ignored)', function () {
      const load = { cpuMilli: 500, memoryBytes: 100 * GiB, pods: 1, hostPorts: ['TCP/0.0.0.0/80'] };
      expect(renderResources(load)).to.deep.equal({ cpu: '500m', memory: '100Gi', pods: 1 });
    });
  });
});
