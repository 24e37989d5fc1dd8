/**
 * Identity of a pod's Docker objects: containerName builds `dp_<ns>_<name>_<uid8>_<container>_<attempt>`
 * and parseContainerName reads it back exactly (and refuses any other name); labelInt reads
 * integer labels strictly, 0 when absent or malformed; podLabels never lets extra labels
 * override the identity labels.
 */
import { expect } from 'chai';
import { containerName, LABEL, labelInt, parseContainerName, podLabels, SANDBOX_NAME } from '../../../src/planner/labels.js';

const POD = { namespace: 'default', name: 'web', uid: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' };

describe('planner/labels', function () {
  describe('containerName / parseContainerName', function () {
    const cases = [
      { name: 'member, first attempt', given: { pod: POD, container: 'app', attempt: 0 }, want: 'dp_default_web_0f1e2d3c_app_0' },
      { name: 'sandbox', given: { pod: POD, container: SANDBOX_NAME, attempt: 3 }, want: 'dp_default_web_0f1e2d3c_POD_3' },
      { name: 'dotted pod name and dashed container', given: { pod: { ...POD, name: 'web.v1-2' }, container: 'log-shipper', attempt: 12 }, want: 'dp_default_web.v1-2_0f1e2d3c_log-shipper_12' },
      { name: 'other namespace, large attempt', given: { pod: { ...POD, namespace: 'kube-system' }, container: 'x', attempt: 987654 }, want: 'dp_kube-system_web_0f1e2d3c_x_987654' },
      { name: 'short uid', given: { pod: { ...POD, uid: 'abc' }, container: 'app', attempt: 1 }, want: 'dp_default_web_abc_app_1' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${want} round-trips`, function () {
        const built = containerName(given.pod, given.container, given.attempt);
        expect(built).to.equal(want);
        const parsed = { namespace: given.pod.namespace, name: given.pod.name, uid8: given.pod.uid.slice(0, 8), container: given.container, attempt: given.attempt };
        expect(parseContainerName(built)).to.deep.equal(parsed);
        // Docker lists names with a leading slash.
        expect(parseContainerName(`/${built}`)).to.deep.equal(parsed);
      });
    }

    const foreign = [
      { name: "the kubelet's sandbox name", given: 'k8s_POD_web_default_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0_0' },
      { name: 'no attempt', given: 'dp_default_web_0f1e2d3c_app' },
      { name: 'non-numeric attempt', given: 'dp_default_web_0f1e2d3c_app_x' },
      { name: 'uid part not hex', given: 'dp_default_web_zzzz_app_1' },
      { name: 'uid part longer than 8', given: 'dp_default_web_0f1e2d3c4_app_1' },
      { name: 'extra part', given: 'dp_default_web_0f1e2d3c_app_1_2' },
      { name: 'empty', given: '' },
    ];
    for (const { name, given } of foreign) {
      it(`refuses ${name}`, function () {
        expect(parseContainerName(given)).to.equal(undefined);
      });
    }
  });

  describe('labelInt', function () {
    const cases = [
      { name: 'integer', given: '3', want: 3 },
      { name: 'zero', given: '0', want: 0 },
      { name: 'leading zeros', given: '007', want: 7 },
      { name: 'large', given: '123456', want: 123456 },
      { name: 'absent', given: undefined, want: 0 },
      { name: 'empty', given: '', want: 0 },
      { name: 'negative', given: '-1', want: 0 },
      { name: 'fraction', given: '1.5', want: 0 },
      { name: 'word', given: 'abc', want: 0 },
      { name: 'exponent', given: '1e3', want: 0 },
      { name: 'hex', given: '0x10', want: 0 },
      { name: 'padded', given: ' 7', want: 0 },
      { name: 'beyond safe integers', given: '99999999999999999999', want: 0 },
    ];
    for (const { name, given, want } of cases) {
      it(`${name} (${JSON.stringify(given)}) -> ${want}`, function () {
        const labels: Record<string, string> = given === undefined ? {} : { [LABEL.attempt]: given };
        expect(labelInt(labels, LABEL.attempt)).to.equal(want);
      });
    }
  });

  describe('podLabels', function () {
    it('adds the identity labels after the extra ones, so extras never override them', function () {
      const labels = podLabels('op-1', POD, { 'test.run': 'r1', [LABEL.uid]: 'forged', [LABEL.managedBy]: 'other' });
      expect(labels).to.deep.equal({
        'test.run': 'r1',
        [LABEL.managedBy]: 'op-1',
        [LABEL.namespace]: 'default',
        [LABEL.name]: 'web',
        [LABEL.uid]: POD.uid,
      });
    });
  });
});
