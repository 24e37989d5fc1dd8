/** Validation of probes and lifecycle hooks. */
import { fieldError, type FieldError, type FieldPath } from '../../field-errors.js';
import { isIanaServiceName } from '../../names.js';
import type { Container, Probe } from '../container.js';
import { exactlyOne, invalidEach } from './helpers.js';

const HANDLERS = ['exec', 'httpGet', 'tcpSocket'] as const;
const HEADER_NAME = /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/;

/** A probe port: a number in range, or the name of one of the container's ports. */
export function validateProbePort(path: FieldPath, port: number | string | undefined, container: Container): FieldError[] {
  // A missing port is the schema's Required.
  if (port === undefined) return [];
  if (typeof port === 'number') {
    return port >= 1 && port <= 65535 ? [] : [fieldError.invalid(path.toString(), port, 'must be between 1 and 65535, inclusive')];
  }
  if (/^[0-9]+$/.test(port)) return validateProbePort(path, Number(port), container);
  const syntax = isIanaServiceName(port);
  if (syntax.length > 0) return invalidEach(path, port, syntax);
  const named = (container.ports ?? []).some((p) => p.name === port);
  return named ? [] : [fieldError.notFound(path.toString(), port)];
}

function validateHandler(path: FieldPath, probe: Probe, container: Container): FieldError[] {
  const errors: FieldError[] = [];
  if (probe.httpGet) {
    const p = path.child('httpGet');
    errors.push(...validateProbePort(p.child('port'), probe.httpGet.port, container));
    (probe.httpGet.httpHeaders ?? []).forEach((h, i) => {
      if (!HEADER_NAME.test(h.name)) errors.push(fieldError.invalid(p.child('httpHeaders').index(i).child('name').toString(), h.name, 'a valid HTTP header must consist of alphanumeric characters or \'-\''));
    });
  }
  if (probe.tcpSocket) errors.push(...validateProbePort(path.child('tcpSocket').child('port'), probe.tcpSocket.port, container));
  return errors;
}

/** One probe: exactly one handler, a valid port, and successThreshold 1 where the kubelet requires it. */
export function validateProbe(path: FieldPath, probe: Probe, container: Container, mustSucceedOnce: boolean): FieldError[] {
  const errors = exactlyOne(path, probe, HANDLERS, 'handler type');
  errors.push(...validateHandler(path, probe, container));
  if (mustSucceedOnce && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errors.push(fieldError.invalid(path.child('successThreshold').toString(), probe.successThreshold, 'must be 1'));
  }
  return errors;
}

/** The three probes of a regular container. */
export function validateProbes(path: FieldPath, container: Container): FieldError[] {
  const errors: FieldError[] = [];
  if (container.livenessProbe) errors.push(...validateProbe(path.child('livenessProbe'), container.livenessProbe, container, true));
  if (container.readinessProbe) errors.push(...validateProbe(path.child('readinessProbe'), container.readinessProbe, container, false));
  if (container.startupProbe) errors.push(...validateProbe(path.child('startupProbe'), container.startupProbe, container, true));
  return errors;
}

/** Fields an init container may not have, because it runs to completion before the pod is up. */
export function validateInitOnlyFields(path: FieldPath, container: Container): FieldError[] {
  const forbidden = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const;
  return forbidden.filter((f) => container[f] !== undefined).map((f) => fieldError.forbidden(path.child(f).toString(), 'may not be set for init containers'));
}
