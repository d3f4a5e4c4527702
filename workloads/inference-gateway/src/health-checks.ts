/**
 * Active health checks of backends that declare one (self-hosted engines: AIModel
 * spec.healthCheck.path/intervalSeconds): GET <origin><path> every interval, off the request path.
 * Results are metrics only (`inference_gateway_backend_health_up`, `..._last_probe_timestamp_seconds`),
 * which the operator turns into AIModel status; routing keeps relying on the breakers, which see
 * real traffic.
 */
import type { RuntimeConfig } from "./config/runtime.ts";

/** Where probe results go. */
export interface HealthSink {
  result(backend: string, up: boolean, at: Date): void;
}

interface Probe {
  key: string;
  timer: NodeJS.Timeout;
}

/** Keeps one timer per backend with a health check; `update` follows each new config. */
export class HealthChecker {
  readonly #sink: HealthSink;
  readonly #probes = new Map<string, Probe>();
  readonly #fetch: typeof fetch;

  constructor(sink: HealthSink, fetchImpl: typeof fetch = fetch) {
    this.#sink = sink;
    this.#fetch = fetchImpl;
  }

  /** Starts, restarts or stops probes so that they match `cfg`. */
  update(cfg: RuntimeConfig): void {
    const wanted = new Set<string>();
    for (const b of cfg.backends.values()) {
      const hc = b.healthCheck;
      if (hc === undefined) continue;
      wanted.add(b.name);
      const key = `${hc.url}|${hc.intervalMs}|${hc.timeoutMs}`;
      const cur = this.#probes.get(b.name);
      if (cur?.key === key) continue;
      if (cur !== undefined) clearInterval(cur.timer);
      const run = (): void => void this.#probe(b.name, hc.url, hc.timeoutMs);
      const timer = setInterval(run, hc.intervalMs);
      timer.unref();
      this.#probes.set(b.name, { key, timer });
      run();
    }
    for (const [name, p] of this.#probes) {
      if (wanted.has(name)) continue;
      clearInterval(p.timer);
      this.#probes.delete(name);
    }
  }

  async #probe(backend: string, url: string, timeoutMs: number): Promise<void> {
    let up = false;
    try {
      const res = await this.#fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
      up = res.status >= 200 && res.status < 400;
    } catch {
      up = false;
    }
    // A probe that finishes after its backend left the config reports nothing.
    if (this.#probes.has(backend)) this.#sink.result(backend, up, new Date());
  }

  /** Stops every probe. */
  close(): void {
    for (const p of this.#probes.values()) clearInterval(p.timer);
    this.#probes.clear();
  }
}
