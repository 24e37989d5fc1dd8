/**
 * Persistence of the API server's objects: a restart sees every object and continues the
 * resourceVersion sequence; a torn last journal line (a crash mid-write) loses only that write;
 * the pre-restart history is gone, so old watches must relist (410).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { JournalPersister } from '../../../src/apiserver/store/journal.js';
import { ObjectStore } from '../../../src/apiserver/store/object-store.js';

const RES = 'dockerpod.dev/dockerpods';

describe('JournalPersister', function () {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'dpjournal-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (snapshotEvery?: number): ObjectStore => new ObjectStore({ persister: new JournalPersister(dir), ...(snapshotEvery ? { snapshotEvery } : {}) });

  it('a restarted store has every object, with its resourceVersion, and continues the sequence', function () {
    const first = open();
    first.put(RES, { metadata: { name: 'a', namespace: 'default', uid: 'u-a' } });
    first.put(RES, { metadata: { name: 'b', namespace: 'default', uid: 'u-b' } });
    first.put(RES, { metadata: { name: 'a', namespace: 'default', uid: 'u-a' }, spec: { v: 2 } });
    first.remove(RES, 'default', 'b');
    first.close();

    const second = open();
    expect(second.currentRV()).to.equal(4);
    expect(second.list(RES).map((o) => [o.metadata?.['name'], o.metadata?.['uid'], o.metadata?.['resourceVersion'], o['spec']])).to.deep.equal([['a', 'u-a', '3', { v: 2 }]]);
    expect(second.put(RES, { metadata: { name: 'c', namespace: 'default' } }).metadata?.['resourceVersion']).to.equal('5');
    expect(second.eventsSince(3, RES).ok, 'history from before the restart').to.equal(false);
    second.close();
  });

  it('ignores a torn last line and keeps everything before it', function () {
    const store = open();
    store.put(RES, { metadata: { name: 'a', namespace: 'default' } });
    store.put(RES, { metadata: { name: 'b', namespace: 'default' } });
    store.close();
    appendFileSync(join(dir, 'journal.jsonl'), '{"rv":3,"op":"put","resourceId":"dockerpod.dev/dockerp');
    const reopened = open();
    expect(reopened.list(RES).map((o) => o.metadata?.['name'])).to.deep.equal(['a', 'b']);
    expect(reopened.currentRV()).to.equal(2);
    reopened.close();
  });

  it('folds the journal into a snapshot every N records', function () {
    const store = open(3);
    for (const n of ['a', 'b', 'c', 'd']) store.put(RES, { metadata: { name: n, namespace: 'default' } });
    store.close();
    const journal = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(journal.map((l) => (JSON.parse(l) as { rv: number }).rv)).to.deep.equal([4]);
    const reopened = open();
    expect(reopened.list(RES)).to.have.length(4);
    reopened.close();
  });
});
