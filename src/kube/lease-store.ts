/**
 * Where the leader-election record lives: the record and store types the LeaderElector works on,
 * and the store on a real coordination.k8s.io/v1 Lease through client-node, whose times are
 * MicroTime with exactly six fractional digits (a plain Date's three are refused by real API
 * servers) and whose 409 on replace is a ConflictError (the lease was written by someone else).
 */
import { ApiException, CoordinationV1Api, Observable, V1MicroTime, type ConfigurationOptions, type KubeConfig, type ObservableMiddleware, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';

/** The leader-election record held in a Lease's spec (client-go's LeaderElectionRecord). */
export interface LeaseRecord {
  /** '' when nobody holds the lease (after a release). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** Epoch milliseconds. */
  acquireTime: number;
  /** Epoch milliseconds. */
  renewTime: number;
  leaseTransitions: number;
}

/** A record as the store has it, with the resourceVersion a replace must quote. */
export interface StoredLeaseRecord extends LeaseRecord {
  resourceVersion: string;
}

/** Thrown by a LeaseStore when the lease was written by someone else first (HTTP 409). */
export class ConflictError extends Error {
  constructor(message = 'the lease has been modified or created by someone else') {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Where the election record lives. Each call may be aborted through `signal`. */
export interface LeaseStore {
  /** The record, or undefined when the lease does not exist. */
  get(signal?: AbortSignal): Promise<StoredLeaseRecord | undefined>;
  /** Creates the lease; throws a ConflictError when it exists already. */
  create(record: LeaseRecord, signal?: AbortSignal): Promise<StoredLeaseRecord>;
  /** Replaces the record if the lease is still at `resourceVersion`; throws a ConflictError on 409. */
  replace(record: LeaseRecord, resourceVersion: string, signal?: AbortSignal): Promise<StoredLeaseRecord>;
}

/** `metav1.MicroTime` text: RFC 3339 in UTC with exactly six fractional digits (2026-11-29T09:30:00.123000Z). */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/** Epoch milliseconds of a MicroTime as client-node hands it back (a string; a Date tolerated); 0 when absent. */
export function parseMicroTime(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/** A V1MicroTime that serializes through formatMicroTime (JSON.stringify calls toISOString). */
class MicroTime extends V1MicroTime {
  override toISOString(): string {
    return formatMicroTime(this.getTime());
  }
}

/** The Lease spec fields of a record, times as MicroTime. */
export function leaseSpecOf(record: LeaseRecord): V1LeaseSpec {
  const { holderIdentity, leaseDurationSeconds, leaseTransitions } = record;
  return { holderIdentity, leaseDurationSeconds, acquireTime: new MicroTime(record.acquireTime), renewTime: new MicroTime(record.renewTime), leaseTransitions };
}

/** The record of a Lease read from the API server (missing fields read as ''/0, as client-go does). */
export function leaseRecordOf(lease: V1Lease): StoredLeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '', leaseDurationSeconds: spec.leaseDurationSeconds ?? 0, leaseTransitions: spec.leaseTransitions ?? 0,
    acquireTime: parseMicroTime(spec.acquireTime), renewTime: parseMicroTime(spec.renewTime), resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}

/** Request options that abort the request with `signal`. */
function withSignal(signal: AbortSignal | undefined): ConfigurationOptions | undefined {
  if (!signal) return undefined;
  const middleware: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (rsp) => new Observable(Promise.resolve(rsp)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

/** 409 becomes a ConflictError; anything else is rethrown. */
function conflictOr(err: unknown): never {
  if (err instanceof ApiException && err.code === 409) throw new ConflictError(`lease conflict: ${String(err.body)}`);
  throw err;
}

/**
 * A LeaseStore on a real Lease through client-node's CoordinationV1Api. A replace sends back the
 * Lease last read or written (when it is at the quoted resourceVersion) with the new record, so
 * labels, annotations and spec fields the record does not know (strategy, preferredHolder) stay.
 */
export function clientLeaseStore(kubeConfig: KubeConfig, namespace: string, name: string): LeaseStore {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  let last: V1Lease | undefined;
  const remember = (lease: V1Lease): StoredLeaseRecord => ((last = lease), leaseRecordOf(lease));
  return {
    async get(signal) {
      try {
        return remember(await api.readNamespacedLease({ name, namespace }, withSignal(signal)));
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      }
    },
    async create(record, signal) {
      const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: leaseSpecOf(record) };
      return remember(await api.createNamespacedLease({ namespace, body }, withSignal(signal)).catch(conflictOr));
    },
    async replace(record, resourceVersion, signal) {
      const base = last?.metadata?.resourceVersion === resourceVersion ? last : undefined;
      const metadata = { ...(base?.metadata ?? { name, namespace }), resourceVersion };
      const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: { ...base?.spec, ...leaseSpecOf(record) } };
      return remember(await api.replaceNamespacedLease({ name, namespace, body }, withSignal(signal)).catch(conflictOr));
    },
  };
}
