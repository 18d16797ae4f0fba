/**
 * Notices that the process that started us has gone. `npm start` (and `sh -c`) may exit on
 * SIGTERM without passing the signal on, which would leave the service — and its embedded
 * PostgreSQL — running, holding the ports, with nobody left to stop it. The parent's death shows
 * as a change of our parent pid (we are re-parented to init or a subreaper).
 */
export function watchParent(opts: {
  intervalMs: number;
  onOrphaned: (formerParent: number) => void;
  ppid?: () => number;
}): { stop(): void } {
  const ppid = opts.ppid ?? (() => process.ppid);
  const parent = ppid();
  // Started by init (a container's PID 1) or with no parent: nothing to watch.
  if (parent <= 1) return { stop() {} };
  const timer = setInterval(() => {
    if (ppid() === parent) return;
    clearInterval(timer);
    opts.onOrphaned(parent);
  }, opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
