/**
 * The subset of metav1.ObjectMeta this project reads and writes. Kept here, free of any
 * client library, so the pure core (validation, planning, status) has no I/O dependency.
 */

/** Object metadata as the API server returns it. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
}

/** A Kubernetes object of kind K with spec S and status T. */
export interface KubeObject<K extends string, S, T> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  status?: T;
}
