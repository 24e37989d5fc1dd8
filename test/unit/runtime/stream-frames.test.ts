/**
 * Docker's multiplexed output split back into stdout and stderr however the chunks fall: frames
 * cut inside the header or the payload, several in one chunk, byte by byte, stdin echoed on
 * stdout, the engine's own errors apart, multi-byte characters intact, TTY output passed through
 * unchanged, a cut-short stream detected, and bytes that are not frames refused.
 */
import { expect } from 'chai';
import { encodeFrame, FrameError, OutputDemuxer, type OutputTarget } from '../../../src/runtime/docker/stream-frames.js';

/** Runs the demuxer; returns each target's text and the order of targets (adjacent pieces merged). */
function demux(chunks: Buffer[], tty = false): { out: Record<OutputTarget, string>; order: OutputTarget[]; truncated: boolean } {
  const bytes: Record<OutputTarget, Buffer[]> = { stdout: [], stderr: [], system: [] };
  const order: OutputTarget[] = [];
  const d = new OutputDemuxer(tty, (target, piece) => {
    bytes[target].push(Buffer.from(piece));
    if (order.at(-1) !== target) order.push(target);
  });
  for (const chunk of chunks) d.push(chunk);
  const text = (t: OutputTarget): string => Buffer.concat(bytes[t]).toString('utf8');
  return { out: { stdout: text('stdout'), stderr: text('stderr'), system: text('system') }, order, truncated: d.truncated };
}

/** `buffer` cut at the given offsets. */
function cut(buffer: Buffer, ...at: number[]): Buffer[] {
  const points = [0, ...at, buffer.length];
  return points.slice(1).map((end, i) => buffer.subarray(points[i], end));
}

const bytewise = (buffer: Buffer): Buffer[] => [...buffer].map((b) => Buffer.from([b]));

const out = (s: string): Buffer => encodeFrame('stdout', s);
const err = (s: string): Buffer => encodeFrame('stderr', s);
const both = Buffer.concat([out('one\n'), err('oops\n'), out('two\n'), err('again\n')]);

describe('stream frames: Docker output demultiplexing', () => {
  const table: Array<{ name: string; chunks: Buffer[]; tty?: boolean; want: Partial<Record<OutputTarget, string>>; order?: OutputTarget[]; truncated?: boolean }> = [
    { name: 'one stdout frame', chunks: [out('hello\n')], want: { stdout: 'hello\n' }, order: ['stdout'] },
    { name: 'stdout and stderr interleaved in one chunk', chunks: [both], want: { stdout: 'one\ntwo\n', stderr: 'oops\nagain\n' }, order: ['stdout', 'stderr', 'stdout', 'stderr'] },
    { name: 'a frame cut inside its header', chunks: cut(out('hello\n'), 3), want: { stdout: 'hello\n' } },
    { name: 'a frame cut inside its payload', chunks: cut(out('hello world\n'), 11), want: { stdout: 'hello world\n' } },
    { name: 'a cut right after a header', chunks: cut(both, 8), want: { stdout: 'one\ntwo\n', stderr: 'oops\nagain\n' }, order: ['stdout', 'stderr', 'stdout', 'stderr'] },
    { name: 'a cut across two frames', chunks: cut(both, 10, 20), want: { stdout: 'one\ntwo\n', stderr: 'oops\nagain\n' }, order: ['stdout', 'stderr', 'stdout', 'stderr'] },
    { name: 'byte by byte', chunks: bytewise(both), want: { stdout: 'one\ntwo\n', stderr: 'oops\nagain\n' }, order: ['stdout', 'stderr', 'stdout', 'stderr'] },
    { name: 'a multi-byte character cut between chunks', chunks: cut(out('héllo ✓\n'), 10, 15), want: { stdout: 'héllo ✓\n' } },
    { name: 'an empty frame', chunks: [Buffer.concat([out(''), err('x')])], want: { stdout: '', stderr: 'x' }, order: ['stderr'] },
    { name: 'stdin (type 0) is echoed on stdout', chunks: [encodeFrame('stdin', 'typed\n')], want: { stdout: 'typed\n' } },
    { name: 'the engine\'s own error (type 3) is kept apart', chunks: [Buffer.concat([out('a'), encodeFrame('system', 'exec failed')])], want: { stdout: 'a', system: 'exec failed' }, order: ['stdout', 'system'] },
    { name: 'a large frame in many chunks', chunks: cut(out('x'.repeat(100_000)), 4, 8, 1000, 65_536), want: { stdout: 'x'.repeat(100_000) } },
    { name: 'TTY output passes through, header-looking bytes included', tty: true, chunks: [both, Buffer.from('\r\n$ ')], want: { stdout: `${both.toString('utf8')}\r\n$ ` }, order: ['stdout'] },
    { name: 'a stream cut inside a header is truncated', chunks: [out('ok'), Buffer.from([2, 0, 0])], want: { stdout: 'ok' }, truncated: true },
    { name: 'a stream cut inside a payload is truncated', chunks: [out('hello').subarray(0, 10)], want: { stdout: 'he' }, truncated: true },
  ];
  for (const row of table) {
    it(row.name, () => {
      const got = demux(row.chunks, row.tty);
      expect(got.out).to.deep.equal({ stdout: '', stderr: '', system: '', ...row.want });
      if (row.order) expect(got.order).to.deep.equal(row.order);
      expect(got.truncated).to.equal(row.truncated ?? false);
    });
  }

  it('refuses bytes that are not frames (non-TTY output read as frames)', () => {
    const d = new OutputDemuxer(false, () => undefined);
    expect(() => d.push(Buffer.from('plain text from a TTY\n'))).to.throw(FrameError, /stream type 112/);
  });

  it('encodes frames as the engine does: type, three zero bytes, big-endian length', () => {
    expect([...encodeFrame('stderr', 'hi')]).to.deep.equal([2, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]);
    expect(encodeFrame('stdout', Buffer.alloc(300)).readUInt32BE(4)).to.equal(300);
  });
});
