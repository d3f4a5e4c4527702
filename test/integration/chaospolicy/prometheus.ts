// A real Prometheus server for the steady-state probe tests: binaries from hack/tools/prometheus.sh
// (built from the Go module proxy at a pinned version, cached by version), bound to 127.0.0.1,
// scraping the given targets every second, stopped by its own PID.
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const SCRIPT = resolve(import.meta.dirname, "../../../hack/tools/prometheus.sh");

export interface RunningPrometheus {
  url: string;
  child: ChildProcess;
  /** Instant query; the first sample's value, or undefined for an empty result. */
  query(q: string): Promise<number | undefined>;
  /** Range query (seconds since the epoch): the first series' samples as [time s, value]. */
  queryRange(q: string, startS: number, endS: number, stepS: number): Promise<[number, number][]>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts Prometheus scraping `targets` ("127.0.0.1:port") at 1 s; resolves once it is ready. */
export async function startPrometheus(targets: string[]): Promise<RunningPrometheus> {
  const { stdout } = await promisify(execFile)("bash", [SCRIPT, "path"], { timeout: 30 * 60_000 });
  const bin = join(stdout.trim().split("\n").at(-1) ?? "", "prometheus");
  const dir = await mkdtemp(join(tmpdir(), "chaos-prom-"));
  const config = join(dir, "prometheus.yml");
  await writeFile(
    config,
    JSON.stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      scrape_configs: [{ job_name: "targets", static_configs: [{ targets }] }],
    }),
  );
  const port = await freePort();
  const child = spawn(
    bin,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let err = "";
  child.stderr.on("data", (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${err}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready in 30 s: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop,
    async query(q) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { data?: { result?: { value?: [number, string] }[] } };
      const v = body.data?.result?.[0]?.value?.[1];
      return v === undefined ? undefined : Number(v);
    },
    async queryRange(q, startS, endS, stepS) {
      const qs = new URLSearchParams({
        query: q,
        start: String(startS),
        end: String(endS),
        step: String(stepS),
      });
      const res = await fetch(`${url}/api/v1/query_range?${qs.toString()}`);
      const body = (await res.json()) as { data?: { result?: { values?: [number, string][] }[] } };
      return (body.data?.result?.[0]?.values ?? []).map(([t, v]) => [t, Number(v)]);
    },
  };
}
