/**
 * Persistence of the store in a data directory: an append-only journal of changes
 * (`journal.jsonl`, one JSON record a line) over a snapshot (`snapshot.json`) written
 * atomically (temporary file, fsync, rename). A crash at any point loses at most the write in
 * flight: a torn last journal line is ignored, and a snapshot is either the old or the new one.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalRecord, PersistedState, Persister } from './types.js';
import { nameOf, namespaceOf, type KubeObject } from '../resources/types.js';

const SNAPSHOT = 'snapshot.json';
const JOURNAL = 'journal.jsonl';

function readSnapshot(dir: string): PersistedState {
  const path = join(dir, SNAPSHOT);
  if (!existsSync(path)) return { rv: 0, objects: [] };
  return JSON.parse(readFileSync(path, 'utf8')) as PersistedState;
}

function parseLines(text: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as JournalRecord);
    } catch {
      break; // a torn write at the end of the journal: everything before it is intact
    }
  }
  return records;
}

const entryKey = (resourceId: string, namespace: string, name: string): string => `${resourceId}\u0000${namespace}\u0000${name}`;

function replay(state: PersistedState, records: JournalRecord[]): PersistedState {
  const objects = new Map<string, { resourceId: string; object: KubeObject }>();
  for (const entry of state.objects) {
    objects.set(entryKey(entry.resourceId, namespaceOf(entry.object), nameOf(entry.object)), entry);
  }
  let rv = state.rv;
  for (const r of records.filter((x) => x.rv > state.rv)) {
    const key = entryKey(r.resourceId, r.namespace, r.name);
    if (r.op === 'put' && r.object) objects.set(key, { resourceId: r.resourceId, object: r.object });
    else objects.delete(key);
    rv = Math.max(rv, r.rv);
  }
  return { rv, objects: [...objects.values()] };
}

/** A Persister writing to `dir` (created if missing). */
export class JournalPersister implements Persister {
  private fd: number | undefined;

  constructor(private readonly dir: string, private readonly options: { fsync?: boolean } = {}) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The snapshot with the journal replayed over it. */
  load(): PersistedState {
    const path = join(this.dir, JOURNAL);
    const records = existsSync(path) ? parseLines(readFileSync(path, 'utf8')) : [];
    return replay(readSnapshot(this.dir), records);
  }

  /** Appends one record (fsynced when the persister was made with `fsync: true`). */
  append(record: JournalRecord): void {
    this.fd ??= openSync(join(this.dir, JOURNAL), 'a', 0o600);
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    if (this.options.fsync) fsyncSync(this.fd);
  }

  /** Atomically replaces the snapshot, then starts an empty journal. */
  snapshot(state: PersistedState): void {
    const tmp = join(this.dir, `${SNAPSHOT}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, JSON.stringify(state));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, SNAPSHOT));
    // The snapshot now holds everything: the journal restarts empty.
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(join(this.dir, JOURNAL), 'w', 0o600);
  }

  /** Closes the journal file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
