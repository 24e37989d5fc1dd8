import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readTar, splitName, tarArchive, type TarEntry } from '../../../src/util/tar.js';

describe('util/tar', () => {
  const entries: TarEntry[] = [
    { type: 'dir', path: '..d', mode: 0o755 },
    { type: 'file', path: '..d/key', mode: 0o640, content: Buffer.from('hello\n') },
    { type: 'file', path: `..d/${'a'.repeat(90)}/${'b'.repeat(60)}`, mode: 0o400, content: Buffer.alloc(700, 1) },
    { type: 'symlink', path: '..data', target: '..d' },
  ];
  const cases: Array<{ name: string; check: (m: ReturnType<typeof readTar>) => void }> = [
    { name: 'paths in order', check: (m) => expect(m.map((x) => x.path)).to.deep.equal(['..d/', '..d/key', `..d/${'a'.repeat(90)}/${'b'.repeat(60)}`, '..data']) },
    { name: 'types', check: (m) => expect(m.map((x) => x.type)).to.deep.equal(['dir', 'file', 'file', 'symlink']) },
    { name: 'modes', check: (m) => expect(m.map((x) => x.mode)).to.deep.equal([0o755, 0o640, 0o400, 0o777]) },
    { name: 'contents', check: (m) => expect(m[1]?.content.toString()).to.equal('hello\n') },
    { name: 'padded content', check: (m) => expect(m[2]?.content.length).to.equal(700) },
    { name: 'link target', check: (m) => expect(m[3]?.target).to.equal('..d') },
    { name: 'mtime', check: (m) => expect(m.every((x) => x.mtime === 1234)).to.equal(true) },
  ];
  for (const c of cases) it(`reads back: ${c.name}`, () => c.check(readTar(tarArchive(entries, { mtime: 1234 }))));

  it('is whole 512-byte blocks ending in two zero blocks', () => {
    const archive = tarArchive(entries);
    expect(archive.length % 512).to.equal(0);
    expect(archive.subarray(-1024).every((b) => b === 0)).to.equal(true);
  });

  it('is what the system tar lists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dp-tar-'));
    try {
      writeFileSync(join(dir, 'a.tar'), tarArchive(entries));
      const out = execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
      const lines = out.trim().split('\n');
      expect(lines[0]).to.match(/^drwxr-xr-x root\/root\s+0 .* \.\.d\/$/);
      expect(lines[1]).to.match(/^-rw-r----- root\/root\s+6 .* \.\.d\/key$/);
      expect(lines[2]).to.match(/^-r-------- root\/root\s+700 /);
      expect(lines[3]).to.match(/^lrwxrwxrwx root\/root\s+0 .* \.\.data -> \.\.d$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('splits long names into prefix and name, and refuses what ustar cannot hold', () => {
    expect(splitName('short')).to.deep.equal({ prefix: '', name: 'short' });
    expect(splitName(`${'a'.repeat(120)}/b`)).to.deep.equal({ prefix: 'a'.repeat(120), name: 'b' });
    expect(() => splitName('x'.repeat(101))).to.throw('path too long');
    expect(() => tarArchive([{ type: 'symlink', path: 'l', target: 't'.repeat(101) }])).to.throw('link target too long');
  });
});
