/**
 * One keep-alive connection pool per cluster for a client-node KubeConfig. client-node 1.4 makes
 * a new `https.Agent` for every request (KubeConfig#createAgent), so every API call pays a TCP
 * and TLS handshake (measured: most of the operator's remaining CPU after the Docker fix). This
 * wraps that method on one KubeConfig instance so equal agent settings share one keep-alive agent.
 * The key holds every TLS setting, so rotated client certificates or CA bundles get a fresh pool;
 * bearer tokens travel in headers and need none. Proxied clusters keep the library's behaviour.
 *
 * The same seam observes the client: every agent the KubeConfig hands out (pooled or, for proxied
 * clusters, the library's own) reports its requests to the observers registered with
 * {@link observeRequests} (see request-observer.ts), which is how rest_client metrics count every
 * API call and watch.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { observeAgent, type RequestObserver } from './request-observer.js';

type AgentOptions = https.AgentOptions;
interface ClusterLike { server?: string; proxyUrl?: string; skipTLSVerify?: boolean }
type CreateAgent = (cluster: ClusterLike | null, options: AgentOptions) => http.Agent;

/** A stable key of a cluster and its agent settings (buffers hashed by content). */
export function agentKey(cluster: ClusterLike | null, options: AgentOptions): string {
  const hash = createHash('sha256');
  hash.update(`${cluster?.server ?? ''}\n${String(cluster?.skipTLSVerify ?? '')}\n`);
  for (const [name, value] of Object.entries(options).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined) continue;
    hash.update(`${name}=`);
    hash.update(Buffer.isBuffer(value) ? value : JSON.stringify(value));
    hash.update('\n');
  }
  return hash.digest('hex');
}

/** What a pooled KubeConfig keeps: its statistics and the observers of its requests. */
interface Pool { stats: () => AgentPoolStats; observers: Set<RequestObserver> }

/** KubeConfigs already pooled (a second Operator on one KubeConfig shares the pool). */
const POOLED = new WeakMap<KubeConfig, Pool>();

/** What the pool did, for tests and diagnostics. */
export interface AgentPoolStats { agents: number; reused: number }

/**
 * Makes `kubeConfig` reuse keep-alive agents; returns the same instance and its pool statistics.
 * When a later client-node has no `createAgent`, the KubeConfig is left as it is.
 */
export function poolAgents(kubeConfig: KubeConfig, maxAgents = 8): { kubeConfig: KubeConfig; stats: () => AgentPoolStats } {
  const pooled = POOLED.get(kubeConfig);
  if (pooled) return { kubeConfig, stats: pooled.stats };
  const target = kubeConfig as unknown as { createAgent?: CreateAgent };
  const original = target.createAgent;
  const agents = new Map<string, http.Agent>();
  let reused = 0;
  const stats = (): AgentPoolStats => ({ agents: agents.size, reused });
  const observers = new Set<RequestObserver>();
  if (typeof original !== 'function') return { kubeConfig, stats };
  const observed = (agent: http.Agent): http.Agent => observeAgent(agent, () => observers);
  const create: CreateAgent = (cluster, options) => {
    if (cluster?.proxyUrl) return observed(original.call(kubeConfig, cluster, options));
    const key = agentKey(cluster, options);
    const existing = agents.get(key);
    if (existing) { reused++; return existing; }
    const plain = cluster?.server?.startsWith('http:') === true;
    // The library's own checks (http only with skipTLSVerify) run on the first agent of a key.
    original.call(kubeConfig, cluster, options).destroy();
    const agent = observed(plain ? new http.Agent({ ...options, keepAlive: true }) : new https.Agent({ ...options, keepAlive: true }));
    if (agents.size >= maxAgents) evictOldest(agents);
    agents.set(key, agent);
    return agent;
  };
  Object.defineProperty(kubeConfig, 'createAgent', { value: create, configurable: true, writable: true });
  POOLED.set(kubeConfig, { stats, observers });
  return { kubeConfig, stats };
}

/**
 * Reports every request made through `kubeConfig` (API calls and watches, by any client made from
 * it, before or after this call) to `observer`, pooling its agents if they are not yet. Returns a
 * function that stops the reports. Two observers on one KubeConfig both see every request. Without
 * a `createAgent` to hook (a later client-node), nothing is observed.
 */
export function observeRequests(kubeConfig: KubeConfig, observer: RequestObserver): () => void {
  poolAgents(kubeConfig);
  const pool = POOLED.get(kubeConfig);
  if (!pool) return () => undefined;
  pool.observers.add(observer);
  return () => {
    pool.observers.delete(observer);
  };
}

/** Drops the oldest pool (settings that rotated away): its idle sockets close now, busy ones (watches) run on. */
function evictOldest(agents: Map<string, http.Agent>): void {
  const [key, agent] = agents.entries().next().value as [string, http.Agent];
  agents.delete(key);
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}
