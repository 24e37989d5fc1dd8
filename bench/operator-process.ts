/**
 * The operator in a process of its own, run by plain node from an esbuild bundle of
 * bench/operator-child.ts (made once per run, in node_modules/.cache): as the operator is
 * deployed (compiled JavaScript), without the TypeScript loader (tsx's loader thread and source
 * maps add ~90 MB of RSS) and without the benchmark's API server and clients. The benchmarks read
 * its CPU time, RSS, heap and event-loop lag from inside it.
 */
import { fork } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { OperatorWindow } from './operator-child.js';
import type { HarnessOptions } from './harness.js';
import { RpcClient } from './rpc.js';

const CHILD = fileURLToPath(new URL('./operator-child.ts', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('../node_modules/.cache/dockerpod-bench/', import.meta.url));
let bundled: Promise<string> | undefined;

/** Bundles the operator process (our code; packages stay imports of node_modules). */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    mkdirSync(OUT_DIR, { recursive: true });
    const outfile = `${OUT_DIR}operator-child-${process.pid}.mjs`;
    process.once('exit', () => rmSync(outfile, { force: true }));
    await build({
      entryPoints: [CHILD], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
      // No source map: loading one (--enable-source-maps) keeps it in memory, which a deployed operator does not.
      // Relative URLs (a package.json read, say) resolve as from the source file, not from the cache.
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(CHILD.replace(/\.ts$/, '.js')).href) },
    });
    return outfile;
  })();
  return bundled;
}

/** A running operator process. */
export class OperatorProcess {
  private constructor(
    private readonly rpc: RpcClient,
    readonly pid: number,
    /** Memory of the process with its modules loaded and no operator yet (after a full GC). */
    readonly floor: NodeJS.MemoryUsage,
  ) {}

  /** Starts the operator process and the operator in it; resolves once its hosts are Ready. */
  static async start(options: HarnessOptions): Promise<OperatorProcess> {
    const child = fork(await bundle(), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const rpc = new RpcClient(child, 'the operator process');
    try {
      const { pid, floor } = await rpc.call<{ pid: number; floor: NodeJS.MemoryUsage }>('init', options);
      return new OperatorProcess(rpc, pid, floor);
    } catch (err) {
      child.disconnect();
      await rpc.exit();
      throw err;
    }
  }

  /** Waits until the operator is idle and made no engine call for `quietMs`; resolves with the time waited. */
  settle(quietMs = 1000, maxMs = 120_000): Promise<number> {
    return this.rpc.call('settle', { quietMs, maxMs });
  }

  /** One resync now. */
  resync(): Promise<void> {
    return this.rpc.call('resync');
  }

  /** Opens a measurement window (after a full GC). */
  mark(): Promise<void> {
    return this.rpc.call('mark');
  }

  /** Closes the window: what the operator did and cost in it. */
  window(): Promise<OperatorWindow> {
    return this.rpc.call('window');
  }

  /** Engine calls, passes and resyncs so far, and the last warnings. */
  counts(): Promise<{ calls: number; passes: number; resyncs: number; warnings: string[] }> {
    return this.rpc.call('counts');
  }

  /** Memory after a full GC (after dropping the fake engines' state when asked). */
  heap(dropFakes = false): Promise<NodeJS.MemoryUsage> {
    return this.rpc.call('heap', { dropFakes });
  }

  /** Starts a CPU profile of the operator process. */
  profileStart(): Promise<void> {
    return this.rpc.call('profileStart');
  }

  /** Stops the profile and writes it to `file` (a .cpuprofile, for Chrome DevTools or bench/profile-summary.ts). */
  profileStop(file: string): Promise<void> {
    return this.rpc.call('profileStop', { file });
  }

  /** Stops the operator (in-flight passes drain) and ends the process. */
  async stop(): Promise<void> {
    if (this.rpc.exited !== undefined) return;
    await this.rpc.call('stop').catch(() => undefined);
    this.rpc.child.disconnect();
    await this.rpc.exit();
  }
}
