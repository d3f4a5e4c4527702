// Signal handling for the operator entrypoint: first SIGTERM/SIGINT stops gracefully and exits 0;
// a second signal, or a stop that outlives the deadline, exits 1 at once.
import type { Logger } from "./logger.ts";

/** Options for `handleSignals`. */
export interface ShutdownOptions {
  logger: Logger;
  /** Hard deadline for `stop`; default 60 s (must exceed the manager's graceful timeout). */
  timeoutMs?: number;
  signals?: NodeJS.Signals[];
  /** Injected for tests; default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Installs signal handlers that call `target.stop()` once and then exit. Returns a function that
 * removes the handlers.
 */
export function handleSignals(
  target: { stop(): Promise<void> },
  opts: ShutdownOptions,
): () => void {
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  const exit = opts.exit ?? ((code: number): void => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      opts.logger.warn({ signal }, "Second signal received, exiting immediately");
      exit(1);
      return;
    }
    stopping = true;
    opts.logger.info({ signal }, "Shutting down");
    const deadline = setTimeout(() => {
      opts.logger.error("Graceful shutdown timed out");
      exit(1);
    }, opts.timeoutMs ?? 60_000);
    deadline.unref();
    target.stop().then(
      () => {
        clearTimeout(deadline);
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        opts.logger.error({ err }, "Shutdown failed");
        exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
