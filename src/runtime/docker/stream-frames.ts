/**
 * Docker's multiplexed output (the engine's `stdcopy` format): without a TTY, a container's logs
 * and an attached exec arrive as frames, each an 8-byte header (stream type; three zero bytes;
 * payload length, big-endian uint32) followed by the payload. With a TTY the bytes are the
 * terminal's, unframed. Pure: bytes in, output per stream out, no I/O.
 */

/** Where output goes: the engine's own errors (stream type 3, "systemerr") are kept apart. */
export type OutputTarget = 'stdout' | 'stderr' | 'system';

/** Frame stream types by header byte: 0 is stdin echoed on stdout, as the engine documents. */
const TARGETS: ReadonlyMap<number, OutputTarget> = new Map([[0, 'stdout'], [1, 'stdout'], [2, 'stderr'], [3, 'system']]);
const TYPE_BYTE: Record<OutputTarget | 'stdin', number> = { stdin: 0, stdout: 1, stderr: 2, system: 3 };
const HEADER_BYTES = 8;

/** Bytes that are not Docker frames (a stream type the engine never writes): a TTY stream, or a lost alignment. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** One frame as the engine writes it (for fakes and tests). */
export function encodeFrame(target: OutputTarget | 'stdin', payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(TYPE_BYTE[target], 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Receives output: `bytes` is a view of the pushed chunk, valid to keep. */
export type OutputHandler = (target: OutputTarget, bytes: Buffer) => void;

/**
 * Splits an output stream into stdout, stderr and system bytes however chunks cut it (inside a
 * header, inside a payload, several frames in one chunk). Payload bytes are handed on as soon as
 * they arrive, so a long frame streams instead of waiting for its end, and nothing but a partial
 * header is ever buffered. In TTY mode every byte is stdout, unchanged.
 */
export class OutputDemuxer {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerBytes = 0;
  private payloadLeft = 0;
  private target: OutputTarget = 'stdout';

  constructor(
    private readonly tty: boolean,
    private readonly onOutput: OutputHandler,
  ) {}

  /** Feeds one chunk; throws FrameError on a header no engine writes (the stream is then unusable). */
  push(chunk: Buffer): void {
    if (this.tty) {
      if (chunk.length > 0) this.onOutput('stdout', chunk);
      return;
    }
    let offset = 0;
    while (offset < chunk.length) offset = this.payloadLeft > 0 ? this.payloadFrom(chunk, offset) : this.headerFrom(chunk, offset);
  }

  /** Whether the bytes so far stop inside a frame (a stream cut short). */
  get truncated(): boolean {
    return !this.tty && (this.headerBytes > 0 || this.payloadLeft > 0);
  }

  private payloadFrom(chunk: Buffer, offset: number): number {
    const end = Math.min(chunk.length, offset + this.payloadLeft);
    this.payloadLeft -= end - offset;
    this.onOutput(this.target, chunk.subarray(offset, end));
    return end;
  }

  private headerFrom(chunk: Buffer, offset: number): number {
    const take = Math.min(HEADER_BYTES - this.headerBytes, chunk.length - offset);
    chunk.copy(this.header, this.headerBytes, offset, offset + take);
    this.headerBytes += take;
    if (this.headerBytes === HEADER_BYTES) this.startFrame();
    return offset + take;
  }

  private startFrame(): void {
    this.headerBytes = 0;
    const type = this.header.readUInt8(0);
    const target = TARGETS.get(type);
    if (target === undefined) throw new FrameError(`not a Docker output frame (stream type ${type}); is the output from a TTY?`);
    this.target = target;
    this.payloadLeft = this.header.readUInt32BE(4);
  }
}
