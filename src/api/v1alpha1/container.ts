/**
 * Schema of a DockerPod container, mirroring core/v1 Container where it applies to Docker.
 * Fields that core/v1 has and Docker cannot honour are left out rather than silently ignored.
 */
import { bool, describe, int, intOrString, list, obj, oneOf, opt, quantity, str, type Static } from '../schema-kit.js';

/** DNS-1123 label: what Kubernetes requires of container, volume and host names. */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const keyRef = (what: 'Secret' | 'ConfigMap') =>
  obj(
    {
      name: str(`Name of the ${what} in the pod's namespace.`, { minLength: 1 }),
      key: str(`Key within the ${what} whose value is used.`, { minLength: 1 }),
      optional: opt(bool(`If true, a missing ${what} or key leaves the variable unset instead of failing the container.`)),
    },
    `Selects a key of a ${what} in the pod's namespace.`,
  );

const EnvVarSource = obj(
  {
    secretKeyRef: opt(keyRef('Secret')),
    configMapKeyRef: opt(keyRef('ConfigMap')),
    fieldRef: opt(
      obj(
        {
          fieldPath: str(
            'Path of the field to select: metadata.name, metadata.namespace, metadata.uid, metadata.labels[\'KEY\'], metadata.annotations[\'KEY\'], spec.hostName, status.hostIP or status.podIP.',
            { minLength: 1 },
          ),
          apiVersion: opt(str('Version of the schema the fieldPath is written in; defaults to dockerpod.dev/v1alpha1.')),
        },
        'Selects a field of the DockerPod itself (the downward API).',
      ),
    ),
  },
  'Source of the variable\'s value. Exactly one of secretKeyRef, configMapKeyRef and fieldRef must be set.',
);

/** One environment variable of a container. */
export const EnvVar = obj(
  {
    name: str('Name of the environment variable. Must be a C identifier-like name without "=".', { minLength: 1 }),
    value: opt(str('Literal value. $(VAR) references to variables defined earlier in the list are expanded, as in Kubernetes.')),
    valueFrom: opt(EnvVarSource),
  },
  'An environment variable set in the container.',
);

const EnvFromSource = obj(
  {
    prefix: opt(str('Prefix prepended to every key, which must then form a valid variable name.')),
    secretRef: opt(
      obj(
        {
          name: str('Name of the Secret.', { minLength: 1 }),
          optional: opt(bool('If true, a missing Secret is not an error.')),
        },
        'Every key of this Secret becomes a variable.',
      ),
    ),
    configMapRef: opt(
      obj(
        {
          name: str('Name of the ConfigMap.', { minLength: 1 }),
          optional: opt(bool('If true, a missing ConfigMap is not an error.')),
        },
        'Every key of this ConfigMap becomes a variable.',
      ),
    ),
  },
  'A set of environment variables taken from every key of a Secret or ConfigMap. Exactly one of secretRef and configMapRef must be set.',
);

/** A port a container listens on, optionally published on the Docker host. */
export const ContainerPort = obj(
  {
    name: opt(str('IANA service name (at most 15 lowercase letters, digits and hyphens, with at least one letter); probes may refer to the port by it. Unique within the pod.', { maxLength: 15 })),
    containerPort: int('Port number in the pod\'s network namespace.', { minimum: 1, maximum: 65535 }),
    hostPort: opt(int('Port published on the Docker host (on the sandbox, for the whole pod). Must be unique per host, protocol and hostIP.', { minimum: 1, maximum: 65535 })),
    hostIP: opt(str('Host address the hostPort binds to; all addresses when empty.')),
    protocol: opt(oneOf(['TCP', 'UDP'] as const, 'Protocol of the port.', 'TCP')),
  },
  'A network port of the container.',
);

const ResourceList = (verb: string) =>
  obj(
    {
      cpu: opt(quantity(`CPU ${verb}, in cores ("2", "0.5") or millicores ("500m").`)),
      memory: opt(quantity(`Memory ${verb}, in bytes with an optional suffix ("128Mi", "1G").`)),
    },
    `Compute resources ${verb}.`,
  );

/** Compute resources of a container. */
export const ResourceRequirements = obj(
  {
    requests: opt(ResourceList('requested; used for scheduling and for the CPU weight')),
    limits: opt(ResourceList('limits; enforced by the container\'s cgroup')),
  },
  'Compute resource requests and limits, with the kubelet\'s meaning: requests are reserved on the chosen host, limits are enforced by Docker.',
);

/** Where a pod volume appears inside a container. */
export const VolumeMount = obj(
  {
    name: str('Name of a volume in spec.volumes.', { pattern: DNS1123_LABEL, maxLength: 63 }),
    mountPath: str('Absolute path in the container where the volume appears. Must not contain ":".', { minLength: 1 }),
    readOnly: opt(bool('Mount read-only (default false).')),
    subPath: opt(str('Relative path within the volume to mount instead of its root; must not contain "..".')),
  },
  'A mount of a pod volume in this container.',
);

const ExecAction = obj(
  { command: list(str('One argument.'), 'Command run inside the container, not in a shell (use ["sh", "-c", ...] for one). Exit status 0 means success.', { minItems: 1 }) },
  'Runs a command in the container.',
);

const HttpGetAction = obj(
  {
    path: opt(str('Path to request; / when unset.')),
    port: intOrString('Port number or the name of a container port.'),
    scheme: opt(oneOf(['HTTP', 'HTTPS'] as const, 'Scheme (default HTTP); HTTPS does not verify the certificate, as with the kubelet.')),
    httpHeaders: opt(
      list(
        obj({ name: str('Header name.', { minLength: 1 }), value: str('Header value.') }, 'A custom request header.'),
        'Custom headers sent with the request.',
      ),
    ),
  },
  'An HTTP GET from inside the pod\'s network namespace; a status from 200 to 399 means success.',
);

const TcpSocketAction = obj(
  { port: intOrString('Port number or the name of a container port.') },
  'A TCP connect from inside the pod\'s network namespace; an accepted connection means success.',
);

/** A health check with the kubelet's handlers and timing defaults. */
export const Probe = obj(
  {
    exec: opt(ExecAction),
    httpGet: opt(HttpGetAction),
    tcpSocket: opt(TcpSocketAction),
    initialDelaySeconds: opt(int('Seconds after the container started before the first probe (default 0).', { minimum: 0 })),
    periodSeconds: opt(int('Seconds between probes (default 10).', { minimum: 1 })),
    timeoutSeconds: opt(int('Seconds after which a probe attempt counts as failed (default 1).', { minimum: 1 })),
    successThreshold: opt(int('Consecutive successes after a failure to count as healthy (default 1); must be 1 for liveness and startup probes.', { minimum: 1 })),
    failureThreshold: opt(int('Consecutive failures to count as unhealthy (default 3).', { minimum: 1 })),
  },
  'A probe: exactly one of exec, httpGet and tcpSocket, with the kubelet\'s timing.',
);

/** Actions run around a container's life. */
export const Lifecycle = obj(
  {
    preStop: opt(obj({ exec: ExecAction }, 'Runs before the container is stopped, inside the termination grace period.')),
  },
  'Lifecycle hooks.',
);

/** Security settings of a container, as far as Docker can apply them. */
export const SecurityContext = obj(
  {
    runAsUser: opt(int('UID the process runs as (the image\'s user when unset).', { minimum: 0, format: 'int64' })),
    runAsGroup: opt(int('GID the process runs as; requires runAsUser on Docker.', { minimum: 0, format: 'int64' })),
    runAsNonRoot: opt(bool('Refuse to start the container if it would run as UID 0.')),
    readOnlyRootFilesystem: opt(bool('Mount the container\'s root filesystem read-only.')),
    allowPrivilegeEscalation: opt(bool('If false, sets no_new_privs so the process cannot gain privileges (setuid binaries).')),
    privileged: opt(bool('Run privileged. Refused unless the DockerHost\'s policy allows it.')),
    capabilities: opt(
      obj(
        {
          add: opt(list(str('A capability name such as NET_ADMIN (with or without the CAP_ prefix).'), 'Capabilities added to Docker\'s default set.')),
          drop: opt(list(str('A capability name, or ALL.'), 'Capabilities removed from Docker\'s default set.')),
        },
        'Linux capabilities to add to or drop from the default set.',
      ),
    ),
  },
  'Security options of the container.',
);

/** A container of a DockerPod: a regular member or an init container. */
export const Container = obj(
  {
    name: str('Name of the container, a DNS-1123 label unique across containers and initContainers.', { pattern: DNS1123_LABEL, maxLength: 63 }),
    image: str('Image reference, as for docker pull (e.g. "nginx:1.27" or "registry.example.com/app@sha256:...").', { minLength: 1 }),
    imagePullPolicy: opt(
      oneOf(['Always', 'IfNotPresent', 'Never'] as const, 'When to pull the image. Defaults like Kubernetes: Always for a ":latest" or untagged image, otherwise IfNotPresent.'),
    ),
    command: opt(list(str('One argument.'), 'Entrypoint, replacing the image\'s ENTRYPOINT. $(VAR) references are expanded.')),
    args: opt(list(str('One argument.'), 'Arguments, replacing the image\'s CMD. $(VAR) references are expanded.')),
    workingDir: opt(str('Working directory, replacing the image\'s WORKDIR.')),
    env: opt(list(EnvVar, 'Environment variables, in order.')),
    envFrom: opt(list(EnvFromSource, 'Sources whose keys all become variables; explicit env entries win over them.')),
    ports: opt(
      list(ContainerPort, 'Ports the container listens on. Informational unless hostPort is set.', {
        listType: 'map',
        listMapKeys: ['containerPort', 'protocol'],
      }),
    ),
    resources: opt(ResourceRequirements),
    volumeMounts: opt(list(VolumeMount, 'Pod volumes mounted into this container.')),
    livenessProbe: opt(describe(Probe, 'Restarts the container when it fails failureThreshold times in a row.')),
    readinessProbe: opt(describe(Probe, 'Marks the container ready (and the pod Ready) while it succeeds.')),
    startupProbe: opt(describe(Probe, 'Holds off the other probes until it succeeds once; failing it restarts the container.')),
    lifecycle: opt(Lifecycle),
    securityContext: opt(SecurityContext),
    stdin: opt(bool('Keep stdin open (default false).')),
    tty: opt(bool('Allocate a TTY (default false).')),
  },
  'A container of the pod. It joins the sandbox\'s network and IPC namespaces (and PID namespace with shareProcessNamespace).',
);

/** A container of a DockerPod, as TypeScript sees it. */
export type Container = Static<typeof Container>;
/** A probe, as TypeScript sees it. */
export type Probe = Static<typeof Probe>;
/** An httpGet probe handler. */
export type HttpGetAction = Static<typeof HttpGetAction>;
/** One environment variable, as TypeScript sees it. */
export type EnvVar = Static<typeof EnvVar>;
/** A container port, as TypeScript sees it. */
export type ContainerPort = Static<typeof ContainerPort>;
