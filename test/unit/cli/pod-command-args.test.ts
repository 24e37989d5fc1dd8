/**
 * `logs` and `exec` arguments as kubectl reads its own (flags around the pod, `-c=app`,
 * `--tail -1`, `-it`, `dockerpod/NAME`, the command after `--`), and the container a request
 * means, with the API server's and kubelet's messages: the only container, the default-container
 * annotation, the list to choose from, the newest attempt as current and the one before it as
 * previous.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { UsageError } from '../../../src/cli/flags.js';
import { parseExecArgs, parseLogsArgs, podName } from '../../../src/cli/pod-command-args.js';
import { DEFAULT_CONTAINER_ANNOTATION, instanceLabels, noPreviousMessage, notStartedMessage, pickInstance, selectContainer, TargetError } from '../../../src/cli/pod-container.js';
import { LABEL } from '../../../src/planner/labels.js';
import type { ContainerSummary } from '../../../src/runtime/docker/types.js';

const target = { kubeconfig: '', context: '', namespace: '', container: '' };
const logs = { ...target, follow: false, previous: false, tail: -1, timestamps: false };

describe('cli: logs and exec arguments', () => {
  const logsTable: Array<{ args: string[]; want: Record<string, unknown> }> = [
    { args: ['web'], want: { ...logs, pod: 'web' } },
    { args: ['web', '-c', 'app'], want: { ...logs, pod: 'web', container: 'app' } },
    { args: ['-capp', 'web'], want: { ...logs, pod: 'web', container: 'app' } },
    { args: ['web', '-c=app'], want: { ...logs, pod: 'web', container: 'app' } },
    { args: ['web', '--container=app', '-f', '-p'], want: { ...logs, pod: 'web', container: 'app', follow: true, previous: true } },
    { args: ['web', '--follow', '--previous', '--timestamps'], want: { ...logs, pod: 'web', follow: true, previous: true, timestamps: true } },
    { args: ['web', '--tail', '5'], want: { ...logs, pod: 'web', tail: 5 } },
    { args: ['web', '--tail=0'], want: { ...logs, pod: 'web', tail: 0 } },
    { args: ['web', '--tail', '-1'], want: { ...logs, pod: 'web', tail: -1 } },
    { args: ['-n', 'team', 'dockerpod/web'], want: { ...logs, pod: 'web', namespace: 'team' } },
    { args: ['dpod/web', '--namespace=team', '--kubeconfig', '/k', '--context', 'c1'], want: { ...logs, pod: 'web', namespace: 'team', kubeconfig: '/k', context: 'c1' } },
  ];
  for (const row of logsTable) {
    it(`logs ${row.args.join(' ')}`, () => {
      expect(parseLogsArgs(row.args)).to.deep.equal(row.want);
    });
  }

  const execTable: Array<{ args: string[]; want: Record<string, unknown> }> = [
    { args: ['web', '--', 'ls', '-l'], want: { ...target, pod: 'web', stdin: false, tty: false, command: ['ls', '-l'] } },
    { args: ['-it', 'web', '-c', 'app', '--', 'sh'], want: { ...target, pod: 'web', container: 'app', stdin: true, tty: true, command: ['sh'] } },
    { args: ['web', '-i', '--', 'cat', '--', '-n'], want: { ...target, pod: 'web', stdin: true, tty: false, command: ['cat', '--', '-n'] } },
    { args: ['web', '--stdin', '--tty', '-n', 'ns', '--', 'sh', '-c', 'exit 3'], want: { ...target, pod: 'web', namespace: 'ns', stdin: true, tty: true, command: ['sh', '-c', 'exit 3'] } },
  ];
  for (const row of execTable) {
    it(`exec ${row.args.join(' ')}`, () => {
      expect(parseExecArgs(row.args)).to.deep.equal(row.want);
    });
  }

  it('-h and --help ask for the usage', () => {
    expect(parseLogsArgs(['-h'])).to.equal('help');
    expect(parseExecArgs(['web', '--help', '--', 'ls'])).to.equal('help');
  });

  const refused: Array<{ name: string; parse: () => unknown; message: RegExp }> = [
    { name: 'logs without a pod', parse: () => parseLogsArgs([]), message: /a pod name is required/ },
    { name: 'logs with two pods', parse: () => parseLogsArgs(['a', 'b']), message: /expected one pod/ },
    { name: 'an unknown flag', parse: () => parseLogsArgs(['web', '--since', '5m']), message: /Unknown option '--since'/ },
    { name: 'a bad --tail', parse: () => parseLogsArgs(['web', '--tail', 'many']), message: /--tail: expected a number/ },
    { name: '--tail below -1', parse: () => parseLogsArgs(['web', '--tail=-2']), message: /--tail: expected a number/ },
    { name: 'another resource type', parse: () => parseLogsArgs(['pod/web']), message: /"pod\/web" names a pod/ },
    { name: 'exec without a command', parse: () => parseExecArgs(['web']), message: /at least one command/ },
    { name: 'exec with an empty command', parse: () => parseExecArgs(['web', '--']), message: /at least one command/ },
    { name: 'exec with the command before --', parse: () => parseExecArgs(['web', 'ls', '--', 'x']), message: /put the command after "--"/ },
  ];
  for (const row of refused) {
    it(`refuses ${row.name}`, () => {
      expect(row.parse).to.throw(UsageError, row.message);
    });
  }

  it('takes NAME or a DockerPod TYPE/NAME', () => {
    expect(['web', 'dockerpod/web', 'dockerpods/web', 'DockerPod/web', 'dockerpods.dockerpod.dev/web'].map(podName)).to.deep.equal(Array(5).fill('web'));
  });
});

function pod(containers: string[], options: { inits?: string[]; annotation?: string; waiting?: string } = {}): DockerPod {
  return {
    apiVersion: 'dockerpod.dev/v1alpha1',
    kind: 'DockerPod',
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', ...(options.annotation ? { annotations: { [DEFAULT_CONTAINER_ANNOTATION]: options.annotation } } : {}) },
    spec: {
      containers: containers.map((name) => ({ name, image: 'busybox' })),
      ...(options.inits ? { initContainers: options.inits.map((name) => ({ name, image: 'busybox' })) } : {}),
    },
    ...(options.waiting ? { status: { containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'busybox', state: { waiting: { reason: options.waiting } } }] } } : {}),
  };
}

describe('cli: which container', () => {
  const table: Array<{ name: string; pod: DockerPod; requested: string; want: string | RegExp }> = [
    { name: 'the only container', pod: pod(['app']), requested: '', want: 'app' },
    { name: 'the named one', pod: pod(['app', 'sidecar']), requested: 'sidecar', want: 'sidecar' },
    { name: 'a named init container', pod: pod(['app'], { inits: ['setup'] }), requested: 'setup', want: 'setup' },
    { name: 'the only container, init containers aside', pod: pod(['app'], { inits: ['setup'] }), requested: '', want: 'app' },
    { name: 'the default-container annotation', pod: pod(['app', 'sidecar'], { annotation: 'sidecar' }), requested: '', want: 'sidecar' },
    { name: 'an annotation naming no container is ignored', pod: pod(['app', 'sidecar'], { annotation: 'gone' }), requested: '', want: /choose one of: \[app sidecar\]$/ },
    { name: 'several containers and none named', pod: pod(['app', 'sidecar']), requested: '', want: /^a container name must be specified for pod web, choose one of: \[app sidecar\]$/ },
    { name: 'several with init containers', pod: pod(['app', 'sidecar'], { inits: ['setup'] }), requested: '', want: /choose one of: \[app sidecar\] or one of the init containers: \[setup\]$/ },
    { name: 'an unknown name', pod: pod(['app']), requested: 'db', want: /^container db is not valid for pod web$/ },
  ];
  for (const row of table) {
    it(row.name, () => {
      if (typeof row.want === 'string') expect(selectContainer(row.pod, row.requested)).to.equal(row.want);
      else expect(() => selectContainer(row.pod, row.requested)).to.throw(TargetError, row.want);
    });
  }

  const instance = (id: string, attempt: number, created: number): ContainerSummary =>
    ({ id, name: id, labels: { [LABEL.attempt]: String(attempt) }, state: 'exited', image: 'busybox', imageId: '', created });
  const instances = [instance('a1', 1, 200), instance('a3', 3, 100), instance('a2', 2, 300)];
  const picks: Array<{ name: string; list: ContainerSummary[]; which: 'current' | 'previous'; want: string | undefined }> = [
    { name: 'current: the newest attempt, whatever the creation times', list: instances, which: 'current', want: 'a3' },
    { name: 'previous: the newest that is not current', list: instances, which: 'previous', want: 'a2' },
    { name: 'same attempt: the later creation', list: [instance('old', 0, 1), instance('new', 0, 2)], which: 'current', want: 'new' },
    { name: 'previous of a single instance: none', list: [instance('a0', 0, 1)], which: 'previous', want: undefined },
    { name: 'current of nothing: none', list: [], which: 'current', want: undefined },
  ];
  for (const row of picks) {
    it(row.name, () => {
      expect(pickInstance(row.list, row.which)?.id).to.equal(row.want);
    });
  }

  it('finds instances by the pod uid and container labels', () => {
    expect(instanceLabels(pod(['app']), 'app')).to.deep.equal({ [LABEL.uid]: 'u-1', [LABEL.container]: 'app' });
  });

  it('words missing instances as the kubelet does', () => {
    expect(noPreviousMessage(pod(['app']), 'app')).to.equal('previous terminated container "app" in pod "web" not found');
    expect(notStartedMessage(pod(['app']), 'app')).to.equal('container "app" in pod "web" is waiting to start: ContainerCreating');
    expect(notStartedMessage(pod(['app'], { waiting: 'ImagePullBackOff' }), 'app')).to.equal('container "app" in pod "web" is waiting to start: ImagePullBackOff');
  });
});
