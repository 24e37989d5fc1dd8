/** The DockerHost kind: a Docker engine the operator may run pods on (cluster-scoped, like a Node). */
import type { KubeObject } from '../meta.js';
import { bool, int, list, obj, objectMeta, opt, quantity, str, time, type Static } from '../schema-kit.js';
import { Conditions } from './condition.js';

/** Endpoints the operator can reach: a unix socket, TCP (with TLS from spec.tls) or SSH. */
export const ENDPOINT_PATTERN = '^(unix:///.+|tcp://[^/]+:[0-9]+/?|ssh://([^@/]+@)?[^/]+)$';

const resources = (description: string, podsDescription: string) =>
  obj(
    {
      cpu: opt(quantity('CPU, in cores or millicores.')),
      memory: opt(quantity('Memory, in bytes with an optional suffix.')),
      pods: opt(int(podsDescription, { minimum: 0 })),
    },
    description,
  );

/** DockerHost.spec. */
export const DockerHostSpec = obj(
  {
    endpoint: str('Address of the engine: unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host.', { pattern: ENDPOINT_PATTERN }),
    tls: opt(
      obj(
        {
          secretRef: opt(
            obj(
              {
                namespace: str('Namespace of the Secret.', { minLength: 1 }),
                name: str('Name of the Secret.', { minLength: 1 }),
              },
              'Secret holding ca.crt (to verify the engine), tls.crt and tls.key (the client certificate).',
            ),
          ),
          serverName: opt(str('Name expected in the engine\'s certificate when it differs from the endpoint\'s host.')),
          insecureSkipVerify: opt(bool('Do not verify the engine\'s certificate. Unsafe; the operator records a Warning event on the host (default false).')),
        },
        'TLS settings for a tcp:// endpoint. Without them a tcp:// endpoint is plain HTTP.',
      ),
    ),
    capacity: opt(resources('Capacity to schedule against, overriding what the engine reports.', 'Maximum number of pods.')),
    reserved: opt(resources('Resources kept back from pods (for the host\'s own processes); allocatable = capacity - reserved.', 'Pod slots kept back.')),
    unschedulable: opt(bool('Keep new pods off this host; pods already bound stay, like a cordoned node (default false).')),
    cgroupParent: opt(str('Cgroup under which each pod gets its own cgroup parent. Under the systemd cgroup driver it must be a *.slice name.')),
    policy: opt(
      obj(
        {
          allowHostNamespaces: opt(bool('Allow pods using hostNetwork, hostIPC or hostPID (default false).')),
          allowPrivileged: opt(bool('Allow privileged containers (default false).')),
          allowedHostPaths: opt(
            list(
              obj(
                {
                  pathPrefix: str('Absolute path; hostPath volumes at or below it are allowed.', { minLength: 1 }),
                  readOnly: opt(bool('Allow only read-only mounts of paths below the prefix (default false).')),
                },
                'A host path prefix pods may mount.',
              ),
              'Host path prefixes pods may mount; none when empty.',
            ),
          ),
          allowedCapabilities: opt(list(str('A capability name, e.g. NET_ADMIN (CAP_ prefix optional); ALL allows any.'), 'Capabilities containers may add beyond Docker\'s default set; none when empty.')),
          allowDockerSocket: opt(bool('Allow hostPath volumes that expose a Docker engine\'s socket (root on the host; default false).')),
        },
        'What pods on this host may do beyond the defaults; everything is refused unless listed here.',
      ),
    ),
  },
  'Desired state of the host.',
);

/** DockerHost.status. */
export const DockerHostStatus = obj(
  {
    conditions: opt(Conditions),
    engine: opt(
      obj(
        {
          version: opt(str('Engine version, e.g. 20.10.24.')),
          apiVersion: opt(str('Engine API version the operator negotiated, e.g. 1.41.')),
          os: opt(str('Operating system of the engine\'s host.')),
          kernel: opt(str('Kernel version.')),
          cgroupDriver: opt(str('cgroupfs or systemd.')),
          cgroupVersion: opt(str('1 or 2.')),
          cpus: opt(int('CPUs the engine reports.', { minimum: 0 })),
          memory: opt(quantity('Memory the engine reports.')),
        },
        'Facts the engine reported at the last heartbeat.',
      ),
    ),
    allocatable: opt(resources('Resources available to pods: capacity minus reserved.', 'Pods that may be bound.')),
    allocated: opt(resources('Sum of the requests of the pods bound to this host.', 'Pods bound.')),
    pods: opt(int('Number of DockerPods bound to this host.', { minimum: 0 })),
    lastHeartbeatTime: opt(time('When the engine last answered a heartbeat.')),
    observedGeneration: opt(int('metadata.generation of the spec this status describes.', { minimum: 0, format: 'int64' })),
  },
  'Observed state of the host, written by the operator.',
);

/** The whole DockerHost object schema, the CRD's openAPIV3Schema. */
export const DockerHostSchema = obj(
  {
    apiVersion: opt(str('Versioned schema of this representation of the object: dockerpod.dev/v1alpha1.')),
    kind: opt(str('Kind of the object: DockerHost.')),
    metadata: opt(objectMeta()),
    spec: DockerHostSpec,
    status: opt(DockerHostStatus),
  },
  'DockerHost is a Docker engine the operator may schedule DockerPods onto, like a Node.',
);

/** DockerHost.spec, as TypeScript sees it. */
export type DockerHostSpec = Static<typeof DockerHostSpec>;
/** DockerHost.status, as TypeScript sees it. */
export type DockerHostStatus = Static<typeof DockerHostStatus>;
/** A DockerHost as read from the API server. */
export type DockerHost = KubeObject<'DockerHost', DockerHostSpec, DockerHostStatus>;
