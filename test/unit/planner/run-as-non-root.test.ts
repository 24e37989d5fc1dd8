/** The kubelet's runAsNonRoot verdicts on the image's user, by table. */
import { expect } from 'chai';
import type { Container } from '../../../src/api/v1alpha1/container.js';
import { runAsNonRootError } from '../../../src/planner/run-as-non-root.js';
import { samplePod, UID } from './fixtures.js';

const pod = samplePod();
const WHERE = `(pod: "${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${UID})", container: app)`;
const app = (securityContext: Container['securityContext']): Container => ({ name: 'app', image: 'x', ...(securityContext ? { securityContext } : {}) });

describe('planner/run-as-non-root', () => {
  const rows: Array<{ name: string; c: Container; user: string; want: string | undefined }> = [
    { name: 'no runAsNonRoot: anything goes', c: app(undefined), user: '', want: undefined },
    { name: 'runAsNonRoot false', c: app({ runAsNonRoot: false }), user: '0', want: undefined },
    { name: 'an explicit runAsUser wins over the image', c: app({ runAsNonRoot: true, runAsUser: 1000 }), user: '', want: undefined },
    { name: 'an image without a user runs as root', c: app({ runAsNonRoot: true }), user: '', want: `container has runAsNonRoot and image will run as root ${WHERE}` },
    { name: 'uid 0 with a group', c: app({ runAsNonRoot: true }), user: '0:10', want: `container has runAsNonRoot and image will run as root ${WHERE}` },
    { name: 'a numeric non-root uid', c: app({ runAsNonRoot: true }), user: '65532:65532', want: undefined },
    { name: 'a user name cannot be verified, root included', c: app({ runAsNonRoot: true }), user: 'root', want: `container has runAsNonRoot and image has non-numeric user (root), cannot verify user is non-root ${WHERE}` },
  ];
  for (const row of rows) {
    it(row.name, () => expect(runAsNonRootError(pod, row.c, row.user)).to.equal(row.want));
  }
});
