/** Small helpers for building API objects without conditional spreads. */

/** The same object without its undefined properties (shallow), so optional fields are absent, not undefined. */
export function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The array, or undefined when it is missing or empty. */
export const nonEmpty = <T>(items: readonly T[] | undefined): T[] | undefined => (items && items.length > 0 ? [...items] : undefined);

/** The value when the condition holds, else undefined. */
export const when = <T>(condition: boolean | undefined, value: T): T | undefined => (condition ? value : undefined);
