/**
 * Rate limiting of failed authentication for the embedded API server: per client address, after
 * `maxFailures` requests with a wrong or missing bearer token within `windowMs`, further requests
 * from that address on connections that never authenticated are answered 429 with Retry-After,
 * without looking at the token, until the oldest of those failures leaves the window. A guesser
 * thus gets at most `maxFailures` tries per window per address, and cannot learn from the answer
 * whether a try during the block would have been right.
 *
 * A real kube-apiserver does not do this itself (it leaves it to the authenticators and the
 * proxies in front of it; API Priority and Fairness classifies requests by user, and an
 * unauthenticated one has none). The standalone server has one static token and nothing in
 * front of it, so it limits here.
 *
 * - A client that authenticated is never slowed down by someone else's failures: the connection
 *   on which a request carried the right token is trusted for its lifetime (keep-alive clients,
 *   such as the operator's pooled connections and kubectl's, keep working during a block), and
 *   clients from other addresses are counted apart.
 * - IPv6 clients are counted per /64, the block a single host usually gets; IPv4-mapped IPv6
 *   addresses count as their IPv4 address.
 * - Memory is bounded: at most `maxClients` addresses are tracked, and each keeps at most
 *   `maxFailures` timestamps.
 */
import { isIPv6 } from 'node:net';

/** Settings of the limiter. */
export interface AuthLimiterOptions {
  /** Failed authentications tolerated per address within the window (default 50). */
  maxFailures?: number;
  /** The sliding window, in milliseconds (default 60 s). */
  windowMs?: number;
  /** Addresses tracked at most; beyond, the one whose last failure is oldest is forgotten (default 10,000). */
  maxClients?: number;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * Defaults: 50 failures per minute lets a person run kubectl with a stale token ten times (each run
 * makes five requests that fail) before it waits, and still caps a guesser at 50 tries a minute.
 */
export const AUTH_LIMIT_DEFAULTS = { maxFailures: 50, windowMs: 60_000, maxClients: 10_000 } as const;

/** Expands an IPv6 address to its eight groups (`::` filled with zeros). */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const part = (text: string): string[] => (text === '' ? [] : text.split(':'));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0');
  return [...left, ...zeros, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** The key an address is counted under: IPv4 as it is (also when IPv4-mapped), IPv6 by its /64. */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return address;
  return `${ipv6Groups(bare).slice(0, 4).join(':')}::/64`;
}

/** Counts failed authentications per client address and says when an address must wait. */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(options: AuthLimiterOptions = {}) {
    this.maxFailures = Math.max(1, options.maxFailures ?? AUTH_LIMIT_DEFAULTS.maxFailures);
    this.windowMs = Math.max(1, options.windowMs ?? AUTH_LIMIT_DEFAULTS.windowMs);
    this.maxClients = Math.max(1, options.maxClients ?? AUTH_LIMIT_DEFAULTS.maxClients);
    this.now = options.now ?? Date.now;
  }

  /** Seconds (at least 1) the address must wait before its next try is looked at; undefined when it may try now. */
  retryAfterSeconds(address: string): number | undefined {
    const recent = this.recent(clientKey(address));
    if (recent.length < this.maxFailures) return undefined;
    const oldest = recent[recent.length - this.maxFailures] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  /** Records a failed authentication from the address. */
  failed(address: string): void {
    const key = clientKey(address);
    const recent = [...this.recent(key), this.now()].slice(-this.maxFailures);
    // Re-inserted last, so the Map's order is the order of last failures: the first entry is the one to forget.
    this.failures.delete(key);
    this.failures.set(key, recent);
    if (this.failures.size > this.maxClients) this.forgetOne();
  }

  /** How many addresses are tracked (tests: memory stays bounded). */
  get trackedClients(): number {
    return this.failures.size;
  }

  /** The address's failures still within the window (older ones dropped). */
  private recent(key: string): number[] {
    const all = this.failures.get(key);
    if (!all) return [];
    const since = this.now() - this.windowMs;
    const recent = all.filter((t) => t > since);
    if (recent.length === 0) this.failures.delete(key);
    else if (recent.length !== all.length) this.failures.set(key, recent);
    return recent;
  }

  /** Drops the address whose last failure is the oldest. */
  private forgetOne(): void {
    const first = this.failures.keys().next();
    if (first.done !== true) this.failures.delete(first.value);
  }
}
