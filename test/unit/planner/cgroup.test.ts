/**
 * The pod cgroup parent in the form each cgroup driver accepts: under cgroupfs a path
 * `<root>/pod<uid>` (trailing slashes of the root ignored), under systemd a slice named
 * `<root>-pod<uid with underscores>.slice` (a root given as a path or as a slice).
 */
import { expect } from 'chai';
import { podCgroupParent } from '../../../src/planner/cgroup.js';

const UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const UNDERSCORED = '0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0';

describe('planner/cgroup podCgroupParent', function () {
  const cases = [
    { name: 'cgroupfs path', given: { root: '/dockerpod', driver: 'cgroupfs' }, want: `/dockerpod/pod${UID}` },
    { name: 'cgroupfs path with a trailing slash', given: { root: '/dockerpod/', driver: 'cgroupfs' }, want: `/dockerpod/pod${UID}` },
    { name: 'cgroupfs nested path', given: { root: '/a/b', driver: 'cgroupfs' }, want: `/a/b/pod${UID}` },
    { name: 'cgroupfs empty root', given: { root: '', driver: 'cgroupfs' }, want: `/pod${UID}` },
    { name: 'cgroupfs root "/"', given: { root: '/', driver: 'cgroupfs' }, want: `/pod${UID}` },
    { name: 'an unknown driver is treated as cgroupfs', given: { root: '/dockerpod', driver: '' }, want: `/dockerpod/pod${UID}` },
    { name: 'systemd slice root', given: { root: 'dockerpod.slice', driver: 'systemd' }, want: `dockerpod-pod${UNDERSCORED}.slice` },
    { name: 'systemd nested slice root', given: { root: 'kube-pods.slice', driver: 'systemd' }, want: `kube-pods-pod${UNDERSCORED}.slice` },
    { name: 'systemd path root', given: { root: '/dockerpod', driver: 'systemd' }, want: `dockerpod-pod${UNDERSCORED}.slice` },
    { name: 'systemd path root with a trailing slash', given: { root: '/dockerpod/', driver: 'systemd' }, want: `dockerpod-pod${UNDERSCORED}.slice` },
    { name: 'systemd nested path root', given: { root: '/a/b', driver: 'systemd' }, want: `a-b-pod${UNDERSCORED}.slice` },
    { name: 'systemd empty root', given: { root: '', driver: 'systemd' }, want: `dockerpod-pod${UNDERSCORED}.slice` },
    { name: 'systemd root "/"', given: { root: '/', driver: 'systemd' }, want: `dockerpod-pod${UNDERSCORED}.slice` },
  ];
  for (const { name, given, want } of cases) {
    it(`${name} -> ${want}`, function () {
      expect(podCgroupParent(given.root, given.driver, UID)).to.equal(want);
    });
  }
});
