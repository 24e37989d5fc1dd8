/**
 * A minimal ustar writer (pure): regular files, directories and symbolic links with their modes,
 * owned by root, as one archive Buffer for the Engine API's PUT /containers/{id}/archive. Names up
 * to 255 bytes (split into the ustar prefix and name fields), link targets up to 100 bytes.
 */

/** One archive member. Paths are relative (no leading slash); directories need no trailing slash. */
export type TarEntry =
  | { type: 'file'; path: string; mode: number; content: Buffer }
  | { type: 'dir'; path: string; mode: number }
  | { type: 'symlink'; path: string; target: string };

/** Options of an archive. */
export interface TarOptions {
  /** Modification time of every member, seconds since the epoch (default 0). */
  mtime?: number;
}

const BLOCK = 512;
const TYPEFLAG = { file: '0', symlink: '2', dir: '5' } as const;

/** Writes `value` as a zero-padded octal field of `width` bytes (NUL-terminated). */
function octal(header: Buffer, offset: number, width: number, value: number): void {
  header.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'ascii');
}

/** Splits a path into the ustar prefix (≤155 bytes) and name (≤100 bytes) fields. */
export function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(entry: TarEntry, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const { prefix, name } = splitName(path);
  const target = entry.type === 'symlink' ? entry.target : '';
  if (Buffer.byteLength(target) > 100) throw new Error(`tar: link target too long for ustar: ${target}`);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, entry.type === 'symlink' ? 0o777 : entry.mode & 0o7777);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, entry.type === 'file' ? entry.content.length : 0);
  octal(h, 136, 12, mtime);
  h.fill(' ', 148, 156);
  h.write(TYPEFLAG[entry.type], 156, 1, 'ascii');
  h.write(target, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The archive of `entries`, in order, ended by two zero blocks. */
export function tarArchive(entries: readonly TarEntry[], options: TarOptions = {}): Buffer {
  const mtime = Math.max(0, Math.floor(options.mtime ?? 0));
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry, mtime));
    if (entry.type === 'file') parts.push(entry.content, padding(entry.content.length));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** One member as read back from an archive (for tests and checks). */
export interface TarMember {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  content: Buffer;
  target: string;
  mtime: number;
}

const field = (h: Buffer, offset: number, width: number): string => h.toString('utf8', offset, offset + width).replace(/\0.*$/s, '');
const TYPES: Record<string, TarMember['type']> = { '0': 'file', '\u0000': 'file', '2': 'symlink', '5': 'dir' };

/** The members of a ustar archive (what tarArchive writes), verifying each header's checksum. */
export function readTar(archive: Buffer): TarMember[] {
  const members: TarMember[] = [];
  for (let offset = 0; offset + BLOCK <= archive.length; ) {
    const h = archive.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    const stored = parseInt(field(h, 148, 8).trim(), 8);
    const sum = [...h].reduce((acc, b, i) => acc + (i >= 148 && i < 156 ? 32 : b), 0);
    if (stored !== sum) throw new Error(`tar: bad header checksum at ${offset}`);
    const size = parseInt(field(h, 124, 12), 8);
    const prefix = field(h, 345, 155);
    const name = field(h, 0, 100);
    members.push({
      path: prefix ? `${prefix}/${name}` : name,
      type: TYPES[h.toString('latin1', 156, 157)] ?? 'other',
      mode: parseInt(field(h, 100, 8), 8),
      content: Buffer.from(archive.subarray(offset + BLOCK, offset + BLOCK + size)),
      target: field(h, 157, 100),
      mtime: parseInt(field(h, 136, 12), 8),
    });
    offset += BLOCK + size + padding(size).length;
  }
  return members;
}
