/**
 * The object store: every object keyed by resource, namespace and name; one global,
 * monotonically increasing resourceVersion; a bounded history of changes for watches; and
 * the live watchers, told of each change synchronously and in order. Objects are cloned on the
 * way in and out, so no caller can change stored state behind the store's back.
 */
import { nameOf, namespaceOf, type KubeObject } from '../resources/types.js';
import type { JournalRecord, Persister, StoredEvent, WatchEventType } from './types.js';

/** A live watch: gets every change of its resource after it registered. */
export interface StoreWatcher {
  resourceId: string;
  /** Restricts the watch to one namespace. */
  namespace?: string;
  onEvent(event: StoredEvent): void;
  /** The store drops the watch (fault injection, shutdown). */
  onClose(): void;
}

/** Options of a store. */
export interface ObjectStoreOptions {
  /** Changes kept for watches that resume from a resourceVersion (default 2000). */
  historySize?: number;
  persister?: Persister;
  /** Journal records between two snapshots (default 5000). */
  snapshotEvery?: number;
}

/** The answer to "what changed after resourceVersion N?". */
export type HistoryResult = { ok: true; events: StoredEvent[] } | { ok: false; oldest: number };

const keyOf = (resourceId: string, namespace: string, name: string): string => `${resourceId}\u0000${namespace}\u0000${name}`;

function metaOf(obj: KubeObject): Record<string, unknown> {
  obj.metadata ??= {};
  return obj.metadata;
}

/** An in-memory object store with optional persistence. */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoredEvent[] = [];
  private readonly watchers = new Set<StoreWatcher>();
  private rv = 0;
  /** Highest resourceVersion whose events are no longer in the history. */
  private compactedThrough = 0;
  private sinceSnapshot = 0;
  private readonly historySize: number;

  constructor(private readonly options: ObjectStoreOptions = {}) {
    this.historySize = options.historySize ?? 2000;
    const state = options.persister?.load();
    if (state) {
      for (const { resourceId, object } of state.objects) {
        this.objects.set(keyOf(resourceId, namespaceOf(object), nameOf(object)), object);
      }
      this.rv = state.rv;
      // The history did not survive the restart: a watch from before it must relist (410).
      this.compactedThrough = state.rv;
      options.persister?.snapshot(this.persistedState());
    }
  }

  /** The current (latest) resourceVersion. */
  currentRV(): number {
    return this.rv;
  }

  /** A copy of one object, if it exists. */
  get(resourceId: string, namespace: string, name: string): KubeObject | undefined {
    const obj = this.objects.get(keyOf(resourceId, namespace, name));
    return obj && structuredClone(obj);
  }

  /** Copies of the objects of a resource (in one namespace, or all), ordered by namespace then name. */
  list(resourceId: string, namespace?: string): KubeObject[] {
    const prefix = namespace === undefined ? `${resourceId}\u0000` : `${resourceId}\u0000${namespace}\u0000`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => structuredClone(obj));
  }

  /** Stores an object (create or replace), assigning the next resourceVersion; returns the stored copy. */
  put(resourceId: string, object: KubeObject): KubeObject {
    const stored = structuredClone(object);
    const meta = metaOf(stored);
    const namespace = namespaceOf(stored);
    const name = nameOf(stored);
    const key = keyOf(resourceId, namespace, name);
    const prev = this.objects.get(key);
    meta['resourceVersion'] = String(++this.rv);
    this.objects.set(key, stored);
    this.record({ rv: this.rv, op: 'put', resourceId, namespace, name, object: stored });
    this.emit({ rv: this.rv, type: prev ? 'MODIFIED' : 'ADDED', resourceId, namespace, name, object: stored, ...(prev ? { prev } : {}) });
    return structuredClone(stored);
  }

  /** Removes an object, assigning the next resourceVersion to the deletion; returns its last state. */
  remove(resourceId: string, namespace: string, name: string): KubeObject | undefined {
    const key = keyOf(resourceId, namespace, name);
    const existing = this.objects.get(key);
    if (!existing) return undefined;
    this.objects.delete(key);
    const last = structuredClone(existing);
    metaOf(last)['resourceVersion'] = String(++this.rv);
    this.record({ rv: this.rv, op: 'delete', resourceId, namespace, name });
    this.emit({ rv: this.rv, type: 'DELETED', resourceId, namespace, name, object: last });
    return structuredClone(last);
  }

  /** The changes of a resource after `rv`, or the oldest version still known when `rv` is too old. */
  eventsSince(rv: number, resourceId: string, namespace?: string): HistoryResult {
    if (rv < this.compactedThrough) return { ok: false, oldest: this.compactedThrough + 1 };
    const events = this.history.filter((e) => e.rv > rv && e.resourceId === resourceId && (namespace === undefined || e.namespace === namespace));
    return { ok: true, events };
  }

  /** Registers a watcher; returns the function that unregisters it. */
  watch(watcher: StoreWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Forgets the whole event history: any watch from an older version now gets 410 Expired. */
  compact(): void {
    this.history.length = 0;
    this.compactedThrough = this.rv;
  }

  /** Closes every open watch (clients re-watch, as after an API server restart). */
  dropWatches(): void {
    const all = [...this.watchers];
    this.watchers.clear();
    for (const w of all) w.onClose();
  }

  /** Number of open watches. */
  watchCount(): number {
    return this.watchers.size;
  }

  /** Closes watches and persistence. */
  close(): void {
    this.dropWatches();
    this.options.persister?.close();
  }

  private record(record: JournalRecord): void {
    const persister = this.options.persister;
    if (!persister) return;
    persister.append(record);
    if (++this.sinceSnapshot >= (this.options.snapshotEvery ?? 5000)) {
      persister.snapshot(this.persistedState());
      this.sinceSnapshot = 0;
    }
  }

  private persistedState(): { rv: number; objects: Array<{ resourceId: string; object: KubeObject }> } {
    return { rv: this.rv, objects: [...this.objects.entries()].map(([key, object]) => ({ resourceId: key.split('\u0000')[0] ?? '', object })) };
  }

  private emit(event: StoredEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.compactedThrough = dropped[dropped.length - 1]?.rv ?? this.compactedThrough;
    }
    for (const w of this.watchers) {
      if (w.resourceId === event.resourceId && (w.namespace === undefined || w.namespace === event.namespace)) w.onEvent(event);
    }
  }
}

/** Type of a change, re-exported for callers that only import the store. */
export type { WatchEventType };
