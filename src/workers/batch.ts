/**
 * Runs `fn` over `items` with at most `concurrency` in flight, stopping to start new ones once
 * `signal` aborts or `deadline` passes; items not started are handed to `skipped`.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  opts: { concurrency: number; signal: AbortSignal; deadline: number },
  fn: (item: T) => Promise<void>,
  skipped: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      if (opts.signal.aborted || Date.now() >= opts.deadline) await skipped(item);
      else await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, items.length) }, lane));
}
