/**
 * Schema of DockerPod.spec, mirroring core/v1 PodSpec where it applies to Docker.
 * `hostName` and `hostSelector` play the roles of `nodeName` and `nodeSelector`.
 */
import { bool, int, list, obj, oneOf, opt, quantity, str, stringMap, type Static } from '../schema-kit.js';
import { Container, DNS1123_LABEL } from './container.js';

const KeyToPath = obj(
  {
    key: str('Key to project.', { minLength: 1 }),
    path: str('Relative path of the file the key is written to; must not contain "..".', { minLength: 1 }),
    mode: opt(int('File mode bits (0-0777); defaultMode when unset.', { minimum: 0, maximum: 511 })),
  },
  'Projects one key to a file path within the volume.',
);

const projection = (what: 'ConfigMap' | 'Secret') => ({
  items: opt(list(KeyToPath, `Keys to project; every key of the ${what} becomes a file named after it when unset.`)),
  defaultMode: opt(int('Mode bits of the files (0-0777; default 0644).', { minimum: 0, maximum: 511 })),
  optional: opt(bool(`If true, a missing ${what} gives an empty volume instead of failing the pod.`)),
});

/** A pod volume: exactly one source. */
export const Volume = obj(
  {
    name: str('Name of the volume, a DNS-1123 label unique in the pod; volumeMounts refer to it.', { pattern: DNS1123_LABEL, maxLength: 63 }),
    emptyDir: opt(
      obj(
        {
          medium: opt(oneOf(['', 'Memory'] as const, 'Storage medium: "" for a Docker volume on the host\'s disk, "Memory" for a tmpfs.')),
          sizeLimit: opt(quantity('Upper bound of the volume\'s size (enforced for Memory as the tmpfs size).')),
        },
        'A scratch directory created empty for the pod and removed with it; shared by every container that mounts it.',
      ),
    ),
    hostPath: opt(
      obj(
        {
          path: str('Absolute path on the Docker host. Allowed only under a prefix the DockerHost\'s policy lists.', { minLength: 1 }),
          type: opt(
            oneOf(
              ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'] as const,
              'Check made on the path before mounting, with the meanings of core/v1 HostPathType; "" (the default) checks nothing.',
            ),
          ),
        },
        'A file or directory of the Docker host, bind-mounted.',
      ),
    ),
    configMap: opt(
      obj(
        { name: str('Name of the ConfigMap in the pod\'s namespace.', { minLength: 1 }), ...projection('ConfigMap') },
        'The keys of a ConfigMap, as files.',
      ),
    ),
    secret: opt(
      obj(
        { secretName: str('Name of the Secret in the pod\'s namespace.', { minLength: 1 }), ...projection('Secret') },
        'The keys of a Secret, as files.',
      ),
    ),
  },
  'A volume of the pod. Exactly one of emptyDir, hostPath, configMap and secret must be set.',
);

const DnsConfig = obj(
  {
    nameservers: opt(list(str('An IP address.'), 'DNS servers, at most 3.', { maxItems: 3 })),
    searches: opt(list(str('A domain.'), 'DNS search domains, at most 32.', { maxItems: 32 })),
    options: opt(
      list(
        obj({ name: str('Option name, e.g. ndots.', { minLength: 1 }), value: opt(str('Option value.')) }, 'A resolver option.'),
        'Resolver options written to resolv.conf.',
      ),
    ),
  },
  'DNS settings of the pod, written to the sandbox\'s resolv.conf and shared by every container.',
);

const HostAlias = obj(
  {
    ip: str('IP address of the entry.', { minLength: 1 }),
    hostnames: list(str('A host name.'), 'Names for the address.', { minItems: 1 }),
  },
  'An entry added to the pod\'s /etc/hosts.',
);

/** DockerPod.spec. */
export const DockerPodSpec = obj(
  {
    containers: list(Container, 'Containers of the pod, started after the sandbox and every init container. At least one.', { minItems: 1 }),
    initContainers: opt(list(Container, 'Containers run one at a time, in order, each to exit 0 before the next starts and before any regular container starts.')),
    hostName: opt(
      str('Name of the DockerHost to run on, like nodeName: when set the scheduler is bypassed.', {
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
        maxLength: 253,
      }),
    ),
    hostSelector: opt(stringMap('Labels a DockerHost must have to run this pod, like nodeSelector.')),
    hostFailurePolicy: opt(
      oneOf(
        ['Wait', 'Reschedule'] as const,
        'What happens when the bound DockerHost stops answering: Wait (default) keeps the pod bound, Ready=False and then phase Unknown, until the host returns; Reschedule binds it to another fitting host after hostFailureTimeoutSeconds and removes its stale containers when the old host returns.',
      ),
    ),
    hostFailureTimeoutSeconds: opt(
      int('Seconds the bound host may be NotReady before a pod with hostFailurePolicy Reschedule moves (default 300).', { minimum: 1, format: 'int64' }),
    ),
    restartPolicy: opt(oneOf(['Always', 'OnFailure', 'Never'] as const, 'Restart policy for every container of the pod.', 'Always')),
    terminationGracePeriodSeconds: opt(
      int('Seconds a container has to stop after SIGTERM (preStop hooks included) before it is killed.', { minimum: 0, default: 30, format: 'int64' }),
    ),
    activeDeadlineSeconds: opt(
      int('Seconds after startTime after which the pod is stopped and marked Failed with reason DeadlineExceeded.', { minimum: 1, format: 'int64' }),
    ),
    shareProcessNamespace: opt(bool('Share one PID namespace (the sandbox\'s) between all containers of the pod (default false).')),
    hostNetwork: opt(bool('Use the Docker host\'s network namespace. Requires the DockerHost policy allowHostNamespaces (default false).')),
    hostIPC: opt(bool('Use the Docker host\'s IPC namespace. Requires the DockerHost policy allowHostNamespaces (default false).')),
    hostPID: opt(bool('Use the Docker host\'s PID namespace. Requires the DockerHost policy allowHostNamespaces (default false).')),
    hostname: opt(str('Host name of the pod, a DNS-1123 label; defaults to the DockerPod\'s name.', { pattern: DNS1123_LABEL, maxLength: 63 })),
    dnsConfig: opt(DnsConfig),
    hostAliases: opt(list(HostAlias, 'Extra /etc/hosts entries.')),
    volumes: opt(list(Volume, 'Volumes that containers of the pod can mount.', { listType: 'map', listMapKeys: ['name'] })),
    imagePullSecrets: opt(
      list(
        obj({ name: str('Name of a Secret of type kubernetes.io/dockerconfigjson in the pod\'s namespace.', { minLength: 1 }) }, 'A reference to a Secret.'),
        'Registry credentials used to pull the pod\'s images.',
      ),
    ),
    sandbox: opt(
      obj(
        { image: opt(str('Image of the sandbox ("pause") container; the operator\'s --pause-image when unset.', { minLength: 1 })) },
        'Settings of the pod\'s sandbox container, which holds the shared namespaces.',
      ),
    ),
  },
  'Desired state of the pod.',
);

/** DockerPod.spec, as TypeScript sees it. */
export type DockerPodSpec = Static<typeof DockerPodSpec>;
/** A pod volume, as TypeScript sees it. */
export type Volume = Static<typeof Volume>;
