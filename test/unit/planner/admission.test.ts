/**
 * Admission of a pod before any Docker call: a valid pod is admitted (env from Secrets and
 * ConfigMaps included); every field the operator does not implement yet (
 * volumes, probes, volumeMounts) is refused as InvalidSpec naming its path, never ignored; host
 * namespaces and privileged containers are refused unless the host's policy allows them; and
 * the API's semantic validation errors come first in the same refusal.
 */
import { expect } from 'chai';
import { fieldError, formatFieldError, type FieldError } from '../../../src/api/field-errors.js';
import type { Container } from '../../../src/api/v1alpha1/container.js';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { admitPod, type HostPolicy } from '../../../src/planner/admission.js';
import { samplePod } from './fixtures.js';

const STRICT: HostPolicy = { allowHostNamespaces: false, allowPrivileged: false, allowedHostPaths: [] };
const LAX: HostPolicy = { allowHostNamespaces: true, allowPrivileged: true, allowedHostPaths: [] };
const HOST_NS = 'host namespaces are not allowed on host "node-1" (spec.policy.allowHostNamespaces)';
const PRIVILEGED = 'privileged containers are not allowed on host "node-1" (spec.policy.allowPrivileged)';

const nth = (p: DockerPod, i: number): Container => {
  const c = p.spec.containers[i];
  if (!c) throw new Error(`no container ${i}`);
  return c;
};
/** Host namespaces with the published port made valid for hostNetwork (hostPort = containerPort). */
const hostNamespaces = (p: DockerPod, field: 'hostNetwork' | 'hostPID' | 'hostIPC'): void => {
  p.spec[field] = true;
  nth(p, 0).ports = [{ containerPort: 80, hostPort: 80 }];
};

interface Case {
  name: string;
  given: { pod: (p: DockerPod) => void; policy?: HostPolicy };
  want: FieldError[];
}

const cases: Case[] = [
  { name: 'the sample pod is admitted', given: { pod: () => undefined }, want: [] },
  {
    name: 'initContainers (supported)',
    given: { pod: (p) => (p.spec.initContainers = [{ name: 'init', image: 'busybox:1.36', command: ['true'] }]) },
    want: [],
  },
  {
    name: 'a privileged init container without permission',
    given: { pod: (p) => (p.spec.initContainers = [{ name: 'init', image: 'busybox:1.36', securityContext: { privileged: true } }]) },
    want: [fieldError.forbidden('spec.initContainers[0].securityContext.privileged', PRIVILEGED)],
  },
  { name: 'an empty initContainers list is fine', given: { pod: (p) => (p.spec.initContainers = []) }, want: [] },
  { name: 'an emptyDir volume (supported)', given: { pod: (p) => (p.spec.volumes = [{ name: 'data', emptyDir: {} }]) }, want: [] },
  {
    name: 'configMap and secret volumes (supported)',
    given: { pod: (p) => (p.spec.volumes = [{ name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'x/a', mode: 0o400 }], optional: true } }, { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o440 } }]) },
    want: [],
  },
  {
    name: 'volumeMounts with and without subPath (supported)',
    given: {
      pod: (p) => {
        p.spec.volumes = [{ name: 'data', emptyDir: {} }];
        nth(p, 1).volumeMounts = [{ name: 'data', mountPath: '/data' }, { name: 'data', mountPath: '/sub', subPath: 'x' }];
      },
    },
    want: [],
  },
  {
    name: 'a volumeMount without its volume: the validation error',
    given: { pod: (p) => (nth(p, 0).volumeMounts = [{ name: 'data', mountPath: '/data' }]) },
    want: [fieldError.notFound('spec.containers[0].volumeMounts[0].name', 'data')],
  },
  {
    name: 'a hostPath outside the allowed prefixes',
    given: { pod: (p) => (p.spec.volumes = [{ name: 'etc', hostPath: { path: '/etc' } }]) },
    want: [fieldError.forbidden('spec.volumes[0].hostPath.path', 'host path /etc is not allowed on host "node-1" (spec.policy.allowedHostPaths)')],
  },
  {
    name: 'exec, tcpSocket and httpGet probes (supported)',
    given: {
      pod: (p) => {
        nth(p, 0).livenessProbe = { tcpSocket: { port: 80 } };
        nth(p, 1).readinessProbe = { exec: { command: ['true'] } };
        nth(p, 0).startupProbe = { httpGet: { path: '/', port: 80 } };
      },
    },
    want: [],
  },
  {
    name: 'an HTTPS probe (supported)',
    given: { pod: (p) => (nth(p, 0).readinessProbe = { httpGet: { path: '/', port: 443, scheme: 'HTTPS' } }) },
    want: [],
  },
  {
    name: 'envFrom configMapRef and secretRef, with a prefix, are supported',
    given: { pod: (p) => (nth(p, 1).envFrom = [{ configMapRef: { name: 'cfg' } }, { prefix: 'DB_', secretRef: { name: 'creds', optional: true } }]) },
    want: [],
  },
  {
    name: 'env valueFrom secretKeyRef is supported',
    given: { pod: (p) => nth(p, 0).env?.push({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }) },
    want: [],
  },
  {
    name: 'env valueFrom configMapKeyRef is supported',
    given: { pod: (p) => (nth(p, 1).env = [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode', optional: true } } }]) },
    want: [],
  },
  {
    name: 'envFrom without a source: the validation error only',
    given: { pod: (p) => (nth(p, 1).envFrom = [{ prefix: 'X_' }]) },
    want: [fieldError.required('spec.containers[1].envFrom[0]', 'must specify one of: `configMapRef`, `secretRef`')],
  },
  { name: 'env valueFrom fieldRef is supported', given: { pod: (p) => (nth(p, 1).env = [{ name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]) }, want: [] },
  { name: 'hostNetwork refused', given: { pod: (p) => hostNamespaces(p, 'hostNetwork') }, want: [fieldError.forbidden('spec.hostNetwork', HOST_NS)] },
  { name: 'hostPID refused', given: { pod: (p) => hostNamespaces(p, 'hostPID') }, want: [fieldError.forbidden('spec.hostPID', HOST_NS)] },
  { name: 'hostIPC refused', given: { pod: (p) => hostNamespaces(p, 'hostIPC') }, want: [fieldError.forbidden('spec.hostIPC', HOST_NS)] },
  {
    name: 'every host namespace, in order',
    given: {
      pod: (p) => {
        hostNamespaces(p, 'hostPID');
        hostNamespaces(p, 'hostIPC');
        hostNamespaces(p, 'hostNetwork');
      },
    },
    want: [fieldError.forbidden('spec.hostNetwork', HOST_NS), fieldError.forbidden('spec.hostIPC', HOST_NS), fieldError.forbidden('spec.hostPID', HOST_NS)],
  },
  { name: 'hostNetwork allowed by the policy', given: { pod: (p) => hostNamespaces(p, 'hostNetwork'), policy: LAX }, want: [] },
  { name: 'hostPID allowed by the policy', given: { pod: (p) => hostNamespaces(p, 'hostPID'), policy: LAX }, want: [] },
  { name: 'hostIPC allowed by the policy', given: { pod: (p) => hostNamespaces(p, 'hostIPC'), policy: LAX }, want: [] },
  { name: 'hostNetwork set to false is fine', given: { pod: (p) => (p.spec.hostNetwork = false) }, want: [] },
  {
    name: 'privileged refused',
    given: { pod: (p) => (nth(p, 1).securityContext = { privileged: true }) },
    want: [fieldError.forbidden('spec.containers[1].securityContext.privileged', PRIVILEGED)],
  },
  { name: 'privileged allowed by the policy', given: { pod: (p) => (nth(p, 1).securityContext = { privileged: true }), policy: LAX }, want: [] },
  {
    name: 'host namespaces allowed do not allow privileged',
    given: { pod: (p) => (nth(p, 1).securityContext = { privileged: true }), policy: { ...STRICT, allowHostNamespaces: true } },
    want: [fieldError.forbidden('spec.containers[1].securityContext.privileged', PRIVILEGED)],
  },
  {
    name: 'semantic validation: a duplicate container name',
    given: { pod: (p) => p.spec.containers.push({ name: 'app', image: 'busybox:1.36' }) },
    want: [fieldError.duplicate('spec.containers[2].name', 'app')],
  },
  {
    name: 'semantic validation first, then the policy',
    given: {
      pod: (p) => {
        p.spec.shareProcessNamespace = true;
        p.spec.hostPID = true;
        nth(p, 1).startupProbe = { httpGet: { port: 443, scheme: 'HTTPS' } };
      },
    },
    want: [
      fieldError.invalid('spec.shareProcessNamespace', true, 'ShareProcessNamespace and HostPID cannot both be enabled'),
      fieldError.forbidden('spec.hostPID', HOST_NS),
    ],
  },
];

describe('planner/admission admitPod', function () {
  for (const { name, given, want } of cases) {
    it(want.length === 0 ? `${name}: admitted` : `${name}: InvalidSpec`, function () {
      const pod = samplePod();
      given.pod(pod);
      const refusal = admitPod(pod, given.policy ?? STRICT, 'node-1');
      if (want.length === 0) {
        expect(refusal).to.equal(undefined);
        return;
      }
      expect(refusal).to.deep.equal({ reason: 'InvalidSpec', message: want.map(formatFieldError).join('; '), errors: want });
    });
  }

  it('words the refusal like the API server', function () {
    const pod = samplePod();
    nth(pod, 0).securityContext = { privileged: true };
    pod.spec.hostIPC = true;
    expect(admitPod(pod, STRICT, 'node-1')?.message).to.equal(
      'spec.hostIPC: Forbidden: host namespaces are not allowed on host "node-1" (spec.policy.allowHostNamespaces); spec.containers[0].securityContext.privileged: Forbidden: privileged containers are not allowed on host "node-1" (spec.policy.allowPrivileged)',
    );
  });

  it('refuses a spec off the schema for that alone, without reading it for the policy (it threw a TypeError)', function () {
    const cases: Array<{ spec: unknown; want: string }> = [
      { spec: null, want: 'spec: Required value' },
      { spec: { containers: 'app', hostNetwork: true }, want: 'spec.containers: Invalid value: "string": spec.containers in body must be of type array: "string"' },
      { spec: { containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 'h', hostPath: {} }] }, want: 'spec.volumes[0].hostPath.path: Required value' },
    ];
    for (const { spec, want } of cases) {
      const pod = { ...samplePod(), spec } as unknown as DockerPod;
      expect(admitPod(pod, STRICT, 'node-1')?.message, JSON.stringify(spec)).to.equal(want);
    }
  });
});
