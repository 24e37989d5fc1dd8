/**
 * Fault injection on the DockerEngine interface: a decorator over any engine (in the chaos suite,
 * the real engine A) that fails chosen calls precisely, e.g. "the create of the pod's SECOND
 * member" (a predicate on the container's name and labels), a given number of times or until
 * cleared. Two ways to fail, as a network or an engine fails in practice:
 *
 * - `failOn`: the call never reaches the engine and throws (a refused connection, a 500 before
 *   anything was done): nothing changed on the engine.
 * - `loseResponse`: the engine does the work, then the answer is lost (a reset connection, a
 *   timeout): the caller sees an error although the container exists or runs.
 *
 * `before` runs an action of the test's own just before a matching call (kill the sandbox right
 * before a member joins it). Calls no armed fault matches pass through untouched, so wrapping
 * costs nothing when no fault is armed; FakeEngine.failNext stays the tool for pure tests.
 */
import { LABEL } from '../../src/planner/labels.js';
import { DockerError, type ContainerCreateBody, type DockerEngine } from '../../src/runtime/docker/types.js';

/** The engine operations a fault can target (every request/response call; not the events stream). */
export type FaultOperation = Exclude<keyof DockerEngine, 'endpoint' | 'events'>;

/** What a predicate sees of one call. */
export interface FaultCall {
  operation: FaultOperation;
  args: readonly unknown[];
  /** The container (by name), volume or image the call is about, when the wrapper knows it. */
  name?: string;
  /** The labels of that container or volume when the wrapper knows them; of a list, its label filter. */
  labels: Record<string, string>;
}

/** Chooses the calls a fault applies to. */
export type FaultPredicate = (call: FaultCall) => boolean;

/** An armed fault: how often it struck, and a way to disarm it. */
export interface Fault {
  readonly operation: FaultOperation;
  /** Calls it struck so far. */
  readonly hits: number;
  /** Resolves at the first call it strikes. */
  readonly struck: Promise<void>;
  /** Disarms it (calls pass through from now on). */
  clear(): void;
}

type Kind = 'fail' | 'lose' | 'before';

interface Armed {
  readonly operation: FaultOperation;
  hits: number;
  readonly struck: Promise<void>;
  clear(): void;
  kind: Kind;
  when: FaultPredicate;
  left: number;
  error: Error;
  action?: (call: FaultCall) => Promise<void>;
  strike(): void;
}

/** Operations whose first argument is a container id (or name). */
const BY_CONTAINER = new Set<FaultOperation>([
  'inspectContainer', 'startContainer', 'stopContainer', 'killContainer', 'removeContainer', 'exec', 'startExec', 'logs', 'putArchive',
]);

/** The error an injected fault throws unless the test gives one: the engine's 500, as a failing daemon answers. */
export function injectedError(operation: FaultOperation): DockerError {
  return new DockerError(`injected fault: ${operation} failed (the engine answered 500)`, 500, operation);
}

/** Calls on the pod's container `name` (a spec name; `POD` for the sandbox). */
export const onContainer = (name: string): FaultPredicate => (call) => call.labels[LABEL.container] === name;

/** Calls on containers or volumes of the DockerPod named `pod`. */
export const onPod = (pod: string): FaultPredicate => (call) => call.labels[LABEL.name] === pod;

/** Both predicates. */
export const both = (a: FaultPredicate, b: FaultPredicate): FaultPredicate => (call) => a(call) && b(call);

/** Arms faults and wraps engines with them (one injector may wrap every engine an operator connects). */
export class FaultInjector {
  private readonly armed: Armed[] = [];
  /** Names and labels of containers seen through the wrapper (created or inspected), by id. */
  private readonly known = new Map<string, { name: string; labels: Record<string, string> }>();
  /** Every strike, in order, for the test's figures. */
  readonly log: Array<{ kind: Kind; operation: FaultOperation; name?: string }> = [];

  /** Fails the next `times` matching calls of `operation` before they reach the engine (Infinity: until cleared). */
  failOn(operation: FaultOperation, when: FaultPredicate, error: Error = injectedError(operation), times = 1): Fault {
    return this.arm({ kind: 'fail', operation, when, error, times });
  }

  /** Lets the next `times` matching calls of `operation` reach the engine, then throws instead of returning their answer. */
  loseResponse(operation: FaultOperation, when: FaultPredicate, times = 1): Fault {
    const error = new DockerError(`injected fault: the answer to ${operation} was lost (socket hang up)`, undefined, operation);
    return this.arm({ kind: 'lose', operation, when, error, times });
  }

  /** Runs `action` just before the next `times` matching calls of `operation`, which then proceed. */
  before(operation: FaultOperation, when: FaultPredicate, action: (call: FaultCall) => Promise<void>, times = 1): Fault {
    return this.arm({ kind: 'before', operation, when, error: new Error('unused'), times, action });
  }

  /** Disarms every fault. */
  clearAll(): void {
    for (const fault of this.armed.splice(0)) fault.clear();
  }

  /** `engine` with the armed faults applied to its calls. */
  wrap(engine: DockerEngine): DockerEngine {
    return new Proxy(engine, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (prop === 'events' || typeof prop !== 'string') return method.bind(target);
        return (...args: unknown[]) => this.call(target, prop as FaultOperation, method, args);
      },
    });
  }

  private arm(spec: { kind: Kind; operation: FaultOperation; when: FaultPredicate; error: Error; times: number; action?: (call: FaultCall) => Promise<void> }): Fault {
    let strikeNow: () => void = () => undefined;
    const struck = new Promise<void>((resolve) => { strikeNow = resolve; });
    const remove = (): void => {
      const i = this.armed.indexOf(fault);
      if (i >= 0) this.armed.splice(i, 1);
    };
    const fault: Armed = {
      kind: spec.kind, operation: spec.operation, when: spec.when, error: spec.error, left: spec.times, hits: 0, struck,
      ...(spec.action ? { action: spec.action } : {}),
      clear: remove,
      strike: () => {
        fault.hits++;
        fault.left--;
        strikeNow();
        if (fault.left <= 0) remove();
      },
    };
    this.armed.push(fault);
    return fault;
  }

  private async call(engine: DockerEngine, operation: FaultOperation, method: (...args: unknown[]) => unknown, args: unknown[]): Promise<unknown> {
    const candidates = this.armed.filter((f) => f.operation === operation);
    if (candidates.length === 0) return this.remember(operation, args, await method.apply(engine, args));
    const call = await this.describe(engine, operation, args);
    const fault = candidates.find((f) => f.left > 0 && f.when(call));
    if (!fault) return this.remember(operation, args, await method.apply(engine, args));
    fault.strike();
    this.log.push({ kind: fault.kind, operation, ...(call.name !== undefined ? { name: call.name } : {}) });
    if (fault.kind === 'fail') throw fault.error;
    if (fault.kind === 'before') await fault.action?.(call);
    const result = this.remember(operation, args, await method.apply(engine, args));
    if (fault.kind === 'lose') throw fault.error;
    return result;
  }

  /** Keeps the identity of containers created or inspected through the wrapper; returns `result`. */
  private remember(operation: FaultOperation, args: unknown[], result: unknown): unknown {
    if (operation === 'createContainer' && typeof result === 'string') {
      this.known.set(result, { name: String(args[0]), labels: (args[1] as ContainerCreateBody).Labels });
    }
    if (operation === 'inspectContainer' && result && typeof result === 'object') {
      const details = result as { id: string; name: string; labels: Record<string, string> };
      this.known.set(details.id, { name: details.name, labels: details.labels });
    }
    return result;
  }

  /** What the predicates see of a call: the container's or volume's name and labels when known. */
  private async describe(engine: DockerEngine, operation: FaultOperation, args: unknown[]): Promise<FaultCall> {
    if (operation === 'createContainer') return { operation, args, name: String(args[0]), labels: (args[1] as ContainerCreateBody).Labels };
    if (operation === 'createVolume') return { operation, args, name: String(args[0]), labels: (args[1] as Record<string, string> | undefined) ?? {} };
    // A list's labels are its filter.
    if (operation === 'listContainers' || operation === 'listVolumes') return { operation, args, labels: (args[0] as Record<string, string> | undefined) ?? {} };
    if (!BY_CONTAINER.has(operation)) return { operation, args, ...(typeof args[0] === 'string' ? { name: args[0] } : {}), labels: {} };
    const id = String(args[0]);
    let identity = this.known.get(id);
    if (!identity) {
      // A container this wrapper has not seen (created before it, or by someone else): ask the engine, without a fault.
      const details = await engine.inspectContainer(id);
      identity = details ? { name: details.name, labels: details.labels } : undefined;
      if (details && identity) this.known.set(details.id, identity);
    }
    return { operation, args, ...(identity ? { name: identity.name, labels: identity.labels } : { labels: {} }) };
  }
}
