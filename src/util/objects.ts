/** Small helpers for building API objects without conditional spreads. */

/** The same object without its undefined properties (shallow), so optional fields are absent, not undefined. */
export function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The array, or undefined when it is missing or empty. */
export const nonEmpty = <T>(items: readonly T[] | undefined): T[] | undefined => (items && items.length > 0 ? [...items] : undefined);

/** The value when the condition holds, else undefined. */
export const when = <T>(condition: boolean | undefined, value: T): T | undefined => (condition ? value : undefined);

/** Whether `value` nests objects and lists more than `max` deep, found without recursion (so at any depth). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.node !== 'object' || next.node === null) continue;
    if (next.depth >= max) return true;
    for (const child of Object.values(next.node)) pending.push({ node: child, depth: next.depth + 1 });
  }
  return false;
}
