/** Process-wide memoisation of parameterless async loaders; a failed load is retried next call. */

/** Wrap `load` so concurrent and later calls share one result. */
export function memoize<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      pending = load();
      pending.catch(() => (pending = undefined));
    }
    return pending;
  };
}
