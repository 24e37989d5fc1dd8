/** Shapes shared by the object store, its watchers and its persistence. */
import type { KubeObject } from '../resources/types.js';

/** A watch event type as the watch protocol names it. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, as kept in the event history. */
export interface StoredEvent {
  rv: number;
  type: WatchEventType;
  /** Version-independent id of the resource: `group/plural`. */
  resourceId: string;
  namespace: string;
  name: string;
  object: KubeObject;
  /** The object before a MODIFIED change (selectors compare both states). */
  prev?: KubeObject;
}

/** One record of the persisted journal: an object written or removed at a resourceVersion. */
export interface JournalRecord {
  rv: number;
  op: 'put' | 'delete';
  resourceId: string;
  namespace: string;
  name: string;
  object?: KubeObject;
}

/** The persisted state at start: every object and the last resourceVersion. */
export interface PersistedState {
  rv: number;
  objects: Array<{ resourceId: string; object: KubeObject }>;
}

/** Where the store keeps its objects across restarts. */
export interface Persister {
  load(): PersistedState;
  append(record: JournalRecord): void;
  /** Writes a snapshot of the whole state and starts an empty journal. */
  snapshot(state: PersistedState): void;
  close(): void;
}
