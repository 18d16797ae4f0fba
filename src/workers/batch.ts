/**
 * Runs `fn` over `items` with at most `concurrency` in flight, stopping to start new ones once
 * `signal` aborts or `deadline` passes; items not started are handed to `skipped`. An item that
 * throws does not stop the others: every lane finishes before this returns, and then the first
 * error is thrown — so no work of the iteration is still running once it is reported over.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  opts: { concurrency: number; signal: AbortSignal; deadline: number },
  fn: (item: T) => Promise<void>,
  skipped: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        if (opts.signal.aborted || Date.now() >= opts.deadline) await skipped(item);
        else await fn(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, items.length) }, lane));
  if (errors.length > 0) throw errors[0];
}
