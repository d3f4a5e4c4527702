/**
 * Fault injection driven only by the routing file's `faults` section (written by the ChaosPolicy
 * controller). Nothing in the public API can switch it on. A fault past `expiresAt` is ignored.
 */
import type { FaultConfig } from "./config/schema.ts";
import type { StreamPiece } from "./providers/http.ts";
import { UpstreamError } from "./providers/http.ts";
import { sleep } from "./resilience/retry.ts";

/** Whether a fault is in force at `now`. */
export function faultActive(f: FaultConfig | undefined, now: number): f is FaultConfig {
  if (f === undefined) return false;
  return f.expiresAt === undefined || Date.parse(f.expiresAt) > now;
}

/** Applies added latency and injected errors before an upstream call. */
export async function beforeCall(
  f: FaultConfig,
  signal: AbortSignal,
  random: () => number,
): Promise<void> {
  if ((f.addedLatencyMs ?? 0) > 0) await sleep(f.addedLatencyMs ?? 0, signal);
  if ((f.errorRate ?? 0) > 0 && random() < (f.errorRate ?? 0)) {
    const status = f.errorStatus ?? 503;
    throw new UpstreamError("injected", `fault injected: HTTP ${status}`, { status });
  }
}

/**
 * Wraps a stream so that, with probability midStreamDropRate, it fails after dropAfterChunks
 * pieces. The failure is thrown into the upstream reader too, which cuts the upstream call at once
 * (a normal early stop would read the rest of the body first).
 */
export function dropStream(
  f: FaultConfig,
  stream: AsyncIterable<StreamPiece[]>,
  random: () => number,
): AsyncIterable<StreamPiece[]> {
  const rate = f.midStreamDropRate ?? 0;
  if (rate <= 0 || random() >= rate) return stream;
  const after = f.dropAfterChunks ?? 2;
  return (async function* () {
    const it = stream[Symbol.asyncIterator]();
    let n = 0;
    let cut = false;
    try {
      for (;;) {
        const r = await it.next();
        if (r.done === true) return;
        if (n + r.value.length <= after) {
          n += r.value.length;
          yield r.value;
          continue;
        }
        const kept = r.value.slice(0, after - n);
        if (kept.length > 0) yield kept;
        const err = new UpstreamError("protocol", "fault injected: stream dropped");
        cut = true;
        await it.throw?.(err).catch(() => undefined);
        throw err;
      }
    } finally {
      if (!cut) await it.return?.();
    }
  })();
}
