/**
 * API errors as the Kubernetes API server returns them: a `Status` object with the real
 * `reason`, `code`, `details` and message, so kubectl and client libraries render and
 * classify them exactly as they would against a real cluster.
 */
import { formatFieldError, type FieldError } from '../api/field-errors.js';

/** A meta/v1 Status object. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** The details of a Status: what object, and for Invalid the causes. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ reason: string; message: string; field?: string }>;
  retryAfterSeconds?: number;
}

/** The resource an error is about: `group` is '' for the core group, `resource` the plural. */
export interface ResourceRef {
  group: string;
  resource: string;
}

/** An error that the HTTP layer answers with its Status. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

const qualified = (ref: ResourceRef): string => (ref.group ? `${ref.resource}.${ref.group}` : ref.resource);

function failure(code: number, reason: string, message: string, details?: StatusDetails): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** Constructors for every error the server returns, with the API server's wording. */
export const apiError = {
  notFound: (ref: ResourceRef, name: string): ApiError =>
    failure(404, 'NotFound', `${qualified(ref)} "${name}" not found`, { name, group: ref.group, kind: ref.resource }),
  alreadyExists: (ref: ResourceRef, name: string): ApiError =>
    failure(409, 'AlreadyExists', `${qualified(ref)} "${name}" already exists`, { name, group: ref.group, kind: ref.resource }),
  conflict: (ref: ResourceRef, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError =>
    failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(ref)} "${name}": ${why}`, { name, group: ref.group, kind: ref.resource }),
  invalid: (group: string, kind: string, name: string, errors: FieldError[]): ApiError => {
    const causes = errors.map((e) => ({ reason: e.type, message: formatFieldError(e).slice(e.field.length + 2), field: e.field }));
    const list = errors.map(formatFieldError);
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return failure(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, { name, group, kind, causes });
  },
  badRequest: (message: string): ApiError => failure(400, 'BadRequest', message),
  /** 422 without field causes, as for a patch that cannot be applied. */
  unprocessable: (message: string): ApiError => failure(422, 'Invalid', message),
  unsupportedMediaType: (message: string): ApiError => failure(415, 'UnsupportedMediaType', message),
  notAcceptable: (message: string): ApiError => failure(406, 'NotAcceptable', message),
  methodNotAllowed: (verb: string, ref: ResourceRef): ApiError =>
    failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, { group: ref.group, kind: ref.resource, causes: [{ reason: 'UnexpectedServerResponse', message: verb }] }),
  expired: (message: string): ApiError => failure(410, 'Expired', message),
  gone: (message: string): ApiError => failure(410, 'Gone', message),
  forbidden: (ref: ResourceRef, name: string, why: string): ApiError =>
    failure(403, 'Forbidden', `${qualified(ref)} "${name}" is forbidden: ${why}`, { name, group: ref.group, kind: ref.resource }),
  unauthorized: (): ApiError => failure(401, 'Unauthorized', 'Unauthorized'),
  pageNotFound: (path: string): ApiError => failure(404, 'NotFound', `the server could not find the requested resource (${path})`, { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] }),
  internal: (message: string): ApiError => failure(500, 'InternalError', `Internal error occurred: ${message}`),
  tooManyRequests: (message: string, retryAfterSeconds = 1): ApiError => failure(429, 'TooManyRequests', message, { retryAfterSeconds }),
  serviceUnavailable: (message: string): ApiError => failure(503, 'ServiceUnavailable', message),
  /** A failure of a chosen status code, for fault injection. */
  withCode: (code: number, message: string): ApiError => failure(code, code >= 500 ? 'InternalError' : 'BadRequest', message),
};

/** A successful Status, as DELETE of some built-ins and of collections returns. */
export function successStatus(details?: StatusDetails): Omit<Status, 'message' | 'reason'> & { message?: string; reason?: string } {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}), code: 200 };
}
