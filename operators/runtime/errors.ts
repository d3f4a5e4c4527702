// Error types that steer the work queue. See style.md "Errors".

/** A reconcile failure that retrying cannot fix (bad spec, missing permission by design). Not requeued. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TerminalError";
  }
}

/** Sentinel to end a reconcile pass early without error (treated as success). */
export class ReturnEarly extends Error {
  constructor(message = "returned early", options?: ErrorOptions) {
    super(message, options);
    this.name = "ReturnEarly";
  }
}

/** True if `err` or any error in its `cause` chain is a TerminalError. */
export function isTerminal(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof TerminalError) return true;
  }
  return false;
}

/** Renders an unknown thrown value for logs, including its `cause` chain. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    // Network errors from undici say only "terminated"/"fetch failed"; the cause says why.
    const cause = err.cause instanceof Error ? `: ${errorMessage(err.cause)}` : "";
    return err.message + cause;
  }
  return typeof err === "string" ? err : JSON.stringify(err);
}
