/** The flags of `dockerpod operator` (also accepted by `dockerpod standalone`). */
import type { FlagTable } from './flags.js';

/** Operator flags, each with its environment variable. */
export const OPERATOR_FLAGS: FlagTable = {
  kubeconfig: { type: 'string', env: 'KUBECONFIG', default: '', help: 'kubeconfig file; in-cluster config or ~/.kube/config when empty' },
  namespace: { type: 'string', env: 'DOCKERPOD_NAMESPACE', default: '', help: 'watch DockerPods in this namespace only; all when empty' },
  'docker-host': { type: 'string', env: 'DOCKERPOD_DOCKER_HOST', default: '', help: 'declare one engine as the DockerHost --host-name (created or adopted); DOCKER_HOST when empty; none in operator mode without either (standalone: unix:///var/run/docker.sock)' },
  'host-selector': { type: 'string', env: 'DOCKERPOD_HOST_SELECTOR', default: '', help: 'only manage DockerHosts with these labels (k=v,k=v), so several operators can split a fleet' },
  'heartbeat-period': { type: 'duration', env: 'DOCKERPOD_HEARTBEAT_PERIOD', default: '10s', help: 'how often each host\'s engine is pinged' },
  'host-failure-grace': { type: 'duration', env: 'DOCKERPOD_HOST_FAILURE_GRACE', default: '40s', help: 'how long a host may be NotReady before its pods\' phase becomes Unknown' },
  'docker-tls-ca': { type: 'string', env: 'DOCKERPOD_DOCKER_TLS_CA', default: '', help: 'CA that signed the engine certificate (tcp:// endpoints; DOCKER_CERT_PATH/ca.pem when empty)' },
  'docker-tls-cert': { type: 'string', env: 'DOCKERPOD_DOCKER_TLS_CERT', default: '', help: 'client certificate for the engine' },
  'docker-tls-key': { type: 'string', env: 'DOCKERPOD_DOCKER_TLS_KEY', default: '', help: 'key of the client certificate' },
  concurrency: { type: 'int', env: 'DOCKERPOD_CONCURRENCY', default: '4', help: 'DockerPods reconciled at once' },
  'resync-period': { type: 'duration', env: 'DOCKERPOD_RESYNC_PERIOD', default: '5m', help: 'how often every engine is listed to catch changes events missed' },
  'log-level': { type: 'string', env: 'DOCKERPOD_LOG_LEVEL', default: 'info', help: 'error, warn, info or debug' },
  'log-format': { type: 'string', env: 'DOCKERPOD_LOG_FORMAT', default: '', help: 'json or text; text on a terminal, json otherwise, when empty' },
  instance: { type: 'string', env: 'DOCKERPOD_INSTANCE', default: 'dockerpod-operator', help: 'value of the managed-by label: an operator touches only its own containers' },
  'docker-labels': { type: 'string', env: 'DOCKERPOD_DOCKER_LABELS', default: '', help: 'extra labels on every Docker object the operator creates, as k=v,k=v' },
  'host-name': { type: 'string', env: 'DOCKERPOD_HOST_NAME', default: 'local', help: 'name of the DockerHost --docker-host declares' },
  'host-ip': { type: 'string', env: 'DOCKERPOD_HOST_IP', default: '', help: 'address of that host (status.hostIP); the engine\'s TCP host or this machine\'s first address when empty' },
  'pause-image': { type: 'string', env: 'DOCKERPOD_PAUSE_IMAGE', default: 'registry.k8s.io/pause:3.10', help: 'sandbox image unless a pod sets spec.sandbox.image' },
  'pod-network': { type: 'string', env: 'DOCKERPOD_POD_NETWORK', default: 'bridge', help: 'Docker network of the sandboxes (pods get their IP there)' },
  'cgroup-root': { type: 'string', env: 'DOCKERPOD_CGROUP_ROOT', default: '/dockerpod', help: 'root of the pod cgroups (a path; a .slice under the systemd driver)' },
  'oom-score-adj': { type: 'bool', env: 'DOCKERPOD_OOM_SCORE_ADJ', default: 'true', help: 'apply the kubelet\'s negative OOM score adjustments (turn off where the host refuses them)' },
  'allow-host-namespaces': { type: 'bool', env: 'DOCKERPOD_ALLOW_HOST_NAMESPACES', default: 'false', help: 'allow hostNetwork, hostIPC and hostPID pods on the --docker-host host (other hosts: spec.policy)' },
  'allow-privileged': { type: 'bool', env: 'DOCKERPOD_ALLOW_PRIVILEGED', default: 'false', help: 'allow privileged containers on the --docker-host host (other hosts: spec.policy)' },
  'graceful-shutdown-timeout': { type: 'duration', env: 'DOCKERPOD_GRACEFUL_SHUTDOWN_TIMEOUT', default: '30s', help: 'how long in-flight reconciles may finish after SIGTERM' },
  'restart-backoff': { type: 'duration', env: 'DOCKERPOD_RESTART_BACKOFF', default: '10s', help: 'first crash-loop back-off (doubling up to 30 times it, as the kubelet\'s 10s..300s)' },
};
