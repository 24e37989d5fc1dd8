/**
 * Which informer updates of a pod are worth a pass: spec, deletion, labels, annotations and
 * finalizer changes are; the operator's own status writes and its own finalizer being added are
 * not (the pass that adds the finalizer does the pod's work itself).
 */
import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { specChanged } from '../../../src/controller/operator-helpers.js';
import { FINALIZER } from '../../../src/kube/dockerpod-client.js';

const pod = (metadata: Partial<DockerPod['metadata']> = {}, status: DockerPod['status'] = {}): DockerPod => ({
  apiVersion: 'dockerpod.dev/v1alpha1',
  kind: 'DockerPod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1', generation: 1, resourceVersion: '10', ...metadata },
  spec: { containers: [{ name: 'app', image: 'busybox:1' }] },
  status,
});

describe('specChanged: which pod updates get a pass', () => {
  it('ignores a status write and the operator adding its own finalizer', () => {
    expect(specChanged(pod({ resourceVersion: '11' }, { phase: 'Running' }), pod())).to.equal(false);
    expect(specChanged(pod({ finalizers: [FINALIZER] }), pod())).to.equal(false);
    // Added next to someone else's, which was already there.
    expect(specChanged(pod({ finalizers: ['x.io/keep', FINALIZER] }), pod({ finalizers: ['x.io/keep'] }))).to.equal(false);
  });

  it('passes on a spec or deletion change, and on any other finalizer change', () => {
    expect(specChanged(pod({ generation: 2 }), pod())).to.equal(true);
    expect(specChanged(pod({ deletionTimestamp: '2026-11-29T10:00:00Z', finalizers: [FINALIZER] }), pod({ finalizers: [FINALIZER] }))).to.equal(true);
    // Ours removed by someone else: the pass puts it back.
    expect(specChanged(pod(), pod({ finalizers: [FINALIZER] }))).to.equal(true);
    // Someone else's added, or added together with ours.
    expect(specChanged(pod({ finalizers: [FINALIZER, 'x.io/other'] }), pod({ finalizers: [FINALIZER] }))).to.equal(true);
    expect(specChanged(pod({ finalizers: [FINALIZER, 'x.io/other'] }), pod())).to.equal(true);
  });

  it('passes on a label or annotation change, also when our finalizer comes with it', () => {
    expect(specChanged(pod({ labels: { app: 'web' } }), pod())).to.equal(true);
    expect(specChanged(pod({ annotations: { note: 'x' } }), pod())).to.equal(true);
    expect(specChanged(pod({ finalizers: [FINALIZER], labels: { app: 'web' } }), pod())).to.equal(true);
  });
});
