/** Validation of one container's fields (name, image, env, ports, resources, mounts, security). */
import { posix } from 'node:path';
import { fieldError, type FieldError, type FieldPath } from '../../field-errors.js';
import { parseImageReference } from '../../image-ref.js';
import { isConfigMapKey, isDns1123Subdomain, isEnvVarName, isIanaServiceName, isIpAddress, isSafeRelativePath } from '../../names.js';
import { compareQuantities, value, type Quantity } from '../../quantity.js';
import type { Container, EnvVar } from '../container.js';
import { absolutePath, duplicates, exactlyOne, invalidEach, nameErrors, quantityAt } from './helpers.js';

/** Docker refuses a memory limit below 6 MiB ("Minimum memory limit allowed is 6MB"). */
const DOCKER_MIN_MEMORY = 6n * 1024n * 1024n;

const FIELD_PATHS = /^(metadata\.(name|namespace|uid)|metadata\.(labels|annotations)\['[^']+'\]|spec\.hostName|status\.(hostIP|podIP))$/;

/** What a container's checks need to know about its pod. */
export interface PodContext {
  volumeNames: ReadonlySet<string>;
  hostNetwork: boolean;
}

/** An image reference Docker would accept. */
export function validateImage(path: FieldPath, image: string | undefined): FieldError[] {
  if (image === undefined || image === '') return [fieldError.required(path.toString())];
  const parsed = parseImageReference(image);
  return parsed.ok ? [] : [fieldError.invalid(path.toString(), image, parsed.reason)];
}

function validateEnvVar(path: FieldPath, env: EnvVar): FieldError[] {
  const errors = nameErrors(path.child('name'), env.name, isEnvVarName);
  const from = env.valueFrom;
  if (!from) return errors;
  if (env.value) errors.push(fieldError.invalid(path.child('valueFrom').toString(), '', 'may not be specified when `value` is not empty'));
  errors.push(...exactlyOne(path.child('valueFrom'), from, ['secretKeyRef', 'configMapKeyRef', 'fieldRef'], 'source'));
  const ref = from.secretKeyRef ?? from.configMapKeyRef;
  if (ref) {
    const refPath = path.child('valueFrom').child(from.secretKeyRef ? 'secretKeyRef' : 'configMapKeyRef');
    errors.push(...nameErrors(refPath.child('name'), ref.name, isDns1123Subdomain), ...nameErrors(refPath.child('key'), ref.key, isConfigMapKey));
  }
  if (from.fieldRef && !FIELD_PATHS.test(from.fieldRef.fieldPath)) {
    errors.push(
      fieldError.notSupported(path.child('valueFrom').child('fieldRef').child('fieldPath').toString(), from.fieldRef.fieldPath, [
        'metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['<KEY>']", "metadata.annotations['<KEY>']", 'spec.hostName', 'status.hostIP', 'status.podIP',
      ]),
    );
  }
  return errors;
}

function validateEnv(path: FieldPath, c: Container): FieldError[] {
  const errors = (c.env ?? []).flatMap((e, i) => validateEnvVar(path.child('env').index(i), e));
  (c.envFrom ?? []).forEach((source, i) => {
    const p = path.child('envFrom').index(i);
    errors.push(...exactlyOne(p, source, ['configMapRef', 'secretRef'], 'source'));
    if (source.prefix) errors.push(...invalidEach(p.child('prefix'), source.prefix, isEnvVarName(source.prefix)));
  });
  return errors;
}

function validatePorts(path: FieldPath, c: Container, ctx: PodContext): FieldError[] {
  const ports = c.ports ?? [];
  const errors = duplicates(ports, (p) => p.name, (i) => path.child('ports').index(i).child('name'));
  ports.forEach((port, i) => {
    const p = path.child('ports').index(i);
    if (port.name !== undefined) errors.push(...invalidEach(p.child('name'), port.name, isIanaServiceName(port.name)));
    if (port.hostIP) errors.push(...invalidEach(p.child('hostIP'), port.hostIP, isIpAddress(port.hostIP)));
    if (ctx.hostNetwork && port.hostPort !== undefined && port.hostPort !== port.containerPort) {
      errors.push(fieldError.invalid(p.child('hostPort').toString(), port.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
    }
  });
  return errors;
}

type ResourceName = 'cpu' | 'memory';

function validateResource(p: FieldPath, name: ResourceName, c: Container): FieldError[] {
  const errors: FieldError[] = [];
  const rawRequest = c.resources?.requests?.[name];
  const rawLimit = c.resources?.limits?.[name];
  const request = quantityAt(p.child('requests').child(name), rawRequest, errors);
  const limit = quantityAt(p.child('limits').child(name), rawLimit, errors);
  if (exceeds(request, limit)) {
    errors.push(fieldError.invalid(p.child('requests').child(name).toString(), rawRequest, `must be less than or equal to ${name} limit of ${String(rawLimit)}`));
  }
  if (name === 'memory' && limit && isBelowDockerMinimum(value(limit))) {
    errors.push(fieldError.invalid(p.child('limits').child(name).toString(), rawLimit, 'must be at least 6Mi, the smallest memory limit Docker accepts'));
  }
  return errors;
}

const exceeds = (request: Quantity | undefined, limit: Quantity | undefined): boolean =>
  request !== undefined && limit !== undefined && compareQuantities(request, limit) > 0;

/** 0 means "no limit" to Docker; anything else must reach its minimum. */
const isBelowDockerMinimum = (bytes: bigint): boolean => bytes > 0n && bytes < DOCKER_MIN_MEMORY;

function validateResources(path: FieldPath, c: Container): FieldError[] {
  const p = path.child('resources');
  return [...validateResource(p, 'cpu', c), ...validateResource(p, 'memory', c)];
}

/** A mount path as Docker compares them ("/data/" and "/data/." are "/data": "Duplicate mount point"). */
const cleanMountPath = (p: string | undefined): string | undefined => (typeof p === 'string' ? posix.normalize(p).replace(/(.)\/+$/, '$1') : undefined);

function validateMounts(path: FieldPath, c: Container, ctx: PodContext): FieldError[] {
  const mounts = c.volumeMounts ?? [];
  const errors = duplicates(mounts, (m) => cleanMountPath(m.mountPath), (i) => path.child('volumeMounts').index(i).child('mountPath'));
  mounts.forEach((mount, i) => {
    const p = path.child('volumeMounts').index(i);
    if (!ctx.volumeNames.has(mount.name)) errors.push(fieldError.notFound(p.child('name').toString(), mount.name));
    errors.push(...absolutePath(p.child('mountPath'), mount.mountPath));
    // Required, yet missing when the schema refused the pod: that error is the schema's.
    if ((mount.mountPath as string | undefined)?.includes(':')) errors.push(fieldError.invalid(p.child('mountPath').toString(), mount.mountPath, 'must not contain \':\''));
    if (mount.subPath) errors.push(...invalidEach(p.child('subPath'), mount.subPath, isSafeRelativePath(mount.subPath)));
  });
  return errors;
}

const CAPABILITY = /^(CAP_)?[A-Z][A-Z_0-9]*$/;

type SecurityContext = NonNullable<Container['securityContext']>;

function validateCapabilities(p: FieldPath, sc: SecurityContext): FieldError[] {
  return (['add', 'drop'] as const).flatMap((list) =>
    (sc.capabilities?.[list] ?? [])
      .map((cap, i) => ({ cap, i }))
      .filter(({ cap }) => cap !== 'ALL' && !CAPABILITY.test(cap))
      .map(({ cap, i }) => fieldError.invalid(p.child('capabilities').child(list).index(i).toString(), cap, 'must be a capability name such as NET_ADMIN, or ALL')),
  );
}

function validateSecurity(path: FieldPath, c: Container): FieldError[] {
  const sc = c.securityContext;
  if (!sc) return [];
  const p = path.child('securityContext');
  const errors = validateCapabilities(p, sc);
  if (sc.runAsGroup !== undefined && sc.runAsUser === undefined) {
    errors.push(fieldError.forbidden(p.child('runAsGroup').toString(), 'requires `runAsUser`: Docker sets the user and the group together'));
  }
  if (sc.runAsNonRoot === true && sc.runAsUser === 0) {
    errors.push(fieldError.invalid(p.child('runAsNonRoot').toString(), true, 'must be false when `runAsUser` is 0'));
  }
  if (sc.privileged === true && sc.allowPrivilegeEscalation === false) {
    errors.push(fieldError.invalid(p.child('allowPrivilegeEscalation').toString(), false, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  return errors;
}

/** Every field-level check of one container (not the pod-wide ones: unique names, host ports). */
export function validateContainerFields(path: FieldPath, c: Container, ctx: PodContext): FieldError[] {
  return [
    ...validateImage(path.child('image'), c.image),
    ...validateEnv(path, c),
    ...validatePorts(path, c, ctx),
    ...validateResources(path, c),
    ...validateMounts(path, c, ctx),
    ...validateSecurity(path, c),
    ...(c.workingDir ? absolutePath(path.child('workingDir'), c.workingDir) : []),
  ];
}
