/**
 * Requests and replies over a child process's IPC channel: the parent calls `op(args)` and
 * awaits the result; the child serves a table of operations. The benchmarks keep the operator in
 * a process of its own this way (its CPU, memory and event loop then are its own).
 */
import type { ChildProcess } from 'node:child_process';

interface Request {
  id: number;
  op: string;
  args?: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** The parent's end: calls into the child; every pending call fails when the child exits. */
export class RpcClient {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  /** Set once the child has exited (with its code or signal). */
  exited: string | undefined;

  constructor(readonly child: ChildProcess, private readonly name: string) {
    child.on('message', (reply: Reply) => this.reply(reply));
    child.on('exit', (code, signal) => {
      this.exited = `${code ?? signal ?? 'unknown'}`;
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${this.exited})`));
      this.pending.clear();
    });
  }

  private reply(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new Error(`${this.name}: ${reply.error ?? 'failed'}`));
  }

  /** Calls `op` in the child. */
  call<T>(op: string, args?: unknown): Promise<T> {
    if (this.exited !== undefined) return Promise.reject(new Error(`${this.name} has exited (${this.exited})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, args });
    });
  }

  /** Resolves once the child has exited. */
  async exit(): Promise<void> {
    if (this.exited !== undefined) return;
    await new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
  }
}

/** The child's end: answers requests with `ops`; runs `onDisconnect` when the parent goes. */
export function serve(ops: Record<string, (args: never) => unknown>, onDisconnect: () => Promise<void>): void {
  const handle = async (request: Request): Promise<void> => {
    try {
      const op = ops[request.op];
      if (!op) throw new Error(`unknown op ${request.op}`);
      const result = await op(request.args as never);
      process.send?.({ id: request.id, ok: true, result: result ?? null });
    } catch (err) {
      process.send?.({ id: request.id, ok: false, error: (err as Error).stack ?? String(err) });
    }
  };
  process.on('message', (request: Request) => void handle(request));
  // Never outlive the benchmark: its exit (or crash) closes the channel.
  process.on('disconnect', () => {
    void onDisconnect().finally(() => process.exit(0));
  });
}
