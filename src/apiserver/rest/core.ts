/**
 * The state every verb works on: the store, the served resources, the clock, and the hooks that
 * react to writes (the CRD and namespace controllers). Verbs live one per file beside this one.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectStore } from '../store/object-store.js';
import type { ResourceRegistry } from '../resources/registry.js';
import type { KubeObject, ResourceInfo } from '../resources/types.js';
import { apiVersionOf } from '../resources/types.js';
import { canonicalJson } from '../../util/canonical.js';

/** A request for one resource, parsed from the URL and body. */
export interface ResourceRequest {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: 'status';
  query: URLSearchParams;
  body?: unknown;
  contentType?: string;
}

/** What a verb answers: HTTP status, body, and optional `Warning` headers. */
export interface VerbResult {
  code: number;
  body: unknown;
  warnings?: string[];
}

/** Called after an object of `info` was stored or removed (controllers living in the server). */
export type WriteHook = (core: ApiCore, info: ResourceInfo, object: KubeObject, removed: boolean) => void;

/** Semantic checks of a custom resource kind, keyed `group/Kind` (what a validating webhook would do). */
export type KindValidators = ReadonlyMap<string, NonNullable<ResourceInfo['validate']>>;

/** Shared state of the server's verbs. */
export class ApiCore {
  private readonly hooks: WriteHook[] = [];
  /** Semantic validation of custom resources, attached when their CRD is established. */
  validators: KindValidators = new Map();

  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    readonly now: () => Date = () => new Date(),
    readonly newUid: () => string = randomUUID,
  ) {}

  /** Registers a hook run after every write. */
  onWrite(hook: WriteHook): void {
    this.hooks.push(hook);
  }

  /** Stores an object and runs the write hooks; returns the stored copy. */
  put(info: ResourceInfo, object: KubeObject): KubeObject {
    const stored = this.store.put(resourceIdOf(info), object);
    for (const hook of this.hooks) hook(this, info, stored, false);
    return stored;
  }

  /** Removes an object and runs the write hooks; returns its last state. */
  remove(info: ResourceInfo, namespace: string, name: string): KubeObject | undefined {
    const removed = this.store.remove(resourceIdOf(info), namespace, name);
    if (removed) for (const hook of this.hooks) hook(this, info, removed, true);
    return removed;
  }

  /** The stored object, if any. */
  get(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(resourceIdOf(info), namespace ?? '', name);
  }

  /** A timestamp in the API's second-precision RFC 3339 form. */
  timestamp(): string {
    return `${this.now().toISOString().slice(0, 19)}Z`;
  }
}

/** The version-independent storage id of a resource. */
export const resourceIdOf = (info: Pick<ResourceInfo, 'group' | 'resource'>): string => `${info.group}/${info.resource}`;

/** The object as served at `info`'s version (custom resources: conversion strategy None). */
export function served(info: ResourceInfo, obj: KubeObject): KubeObject {
  return { ...obj, apiVersion: apiVersionOf(info), kind: info.kind };
}

/** metadata of an object, created when missing. */
export function metaOf(obj: KubeObject): Record<string, unknown> {
  obj.metadata ??= {};
  return obj.metadata;
}

/** The object without metadata, status (when a subresource) and the type fields: what `generation` tracks. */
export function specPart(info: ResourceInfo, obj: KubeObject): string {
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
  if (info.statusSubresource) delete rest['status'];
  return canonicalJson(rest);
}
