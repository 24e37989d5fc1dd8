/**
 * An engine whose ordinary calls in flight can all be abandoned at once: the fleet abandons a
 * host's calls when the host goes NotReady, so passes waiting on an engine that stopped answering
 * end then (and are retried with back-off) instead of holding their workers until the per-call
 * deadline (120 s by default), while pods on other hosts wait for a worker.
 */
import { DockerError, type DockerEngine } from './types.js';

/** A switch that abandons every call made through {@link abandonable} engines sharing it. */
export class CallAbandoner {
  private controller = new AbortController();

  /** The signal of the calls made from now on until the next abandon(). */
  signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ends every call in flight with a DockerError saying `why`; later calls are not affected. */
  abandon(why: string): void {
    this.controller.abort(new Error(why));
    this.controller = new AbortController();
  }
}

/**
 * `engine` with each call that takes a signal also ended by `abandoner`; the error then says why
 * (a caller's own abort or the call's deadline keep their errors). Calls without a signal
 * (volumes, exec with its own timeout, streams) and the events stream pass unchanged: they are
 * bounded by their own deadlines or closed by their owners.
 */
export function abandonable(engine: DockerEngine, abandoner: CallAbandoner): DockerEngine {
  const guard = async <T>(operation: string, run: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const host = abandoner.signal();
    try {
      return await run(signal ? AbortSignal.any([signal, host]) : host);
    } catch (err) {
      if (!host.aborted || signal?.aborted) throw err;
      const why = host.reason instanceof Error ? host.reason.message : String(host.reason);
      throw Object.assign(new DockerError(`${operation} abandoned: ${why}`, undefined, operation), { cause: err });
    }
  };
  return {
    endpoint: engine.endpoint,
    ping: (signal) => guard('ping', (s) => engine.ping(s), signal),
    info: (signal) => guard('info', (s) => engine.info(s), signal),
    listContainers: (labels, signal) => guard('listContainers', (s) => engine.listContainers(labels, s), signal),
    inspectContainer: (id, signal) => guard('inspectContainer', (s) => engine.inspectContainer(id, s), signal),
    createContainer: (name, body, signal) => guard('createContainer', (s) => engine.createContainer(name, body, s), signal),
    startContainer: (id, signal) => guard('startContainer', (s) => engine.startContainer(id, s), signal),
    stopContainer: (id, timeoutSeconds, signal) => guard('stopContainer', (s) => engine.stopContainer(id, timeoutSeconds, s), signal),
    killContainer: (id, signalName, signal) => guard('killContainer', (s) => engine.killContainer(id, signalName, s), signal),
    removeContainer: (id, options, signal) => guard('removeContainer', (s) => engine.removeContainer(id, options, s), signal),
    inspectImage: (ref, signal) => guard('inspectImage', (s) => engine.inspectImage(ref, s), signal),
    pullImage: (ref, auth, signal) => guard('pullImage', (s) => engine.pullImage(ref, auth, s), signal),
    putArchive: (id, path, tar, signal) => guard('putArchive', (s) => engine.putArchive(id, path, tar, s), signal),
    exec: (id, cmd, timeoutMs) => engine.exec(id, cmd, timeoutMs),
    startExec: (id, options) => engine.startExec(id, options),
    logs: (id, options) => engine.logs(id, options),
    createVolume: (name, labels, driverOpts) => engine.createVolume(name, labels, driverOpts),
    removeVolume: (name) => engine.removeVolume(name),
    listVolumes: (labels) => engine.listVolumes(labels),
    events: (options, handlers) => engine.events(options, handlers),
  };
}
