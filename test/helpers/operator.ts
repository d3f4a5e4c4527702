// Runs the real operator entrypoint (cmd/manager/main.ts) as a child process, so tests can
// SIGKILL it, restart it and run two replicas. Processes are stopped by their own PID.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const MAIN = join(import.meta.dirname, "../../cmd/manager/main.ts");

/** NODE_OPTIONS of the manager container in the shipped manifest: tests and bench run what we ship. */
export function manifestNodeOptions(): string {
  const yaml = readFileSync(
    join(import.meta.dirname, "../../manifests/manager/deployment.yaml"),
    "utf8",
  );
  const m = /name:\s*NODE_OPTIONS,\s*value:\s*"([^"]*)"/.exec(yaml);
  if (m?.[1] === undefined)
    throw new Error("NODE_OPTIONS not found in manifests/manager/deployment.yaml");
  return m[1];
}

export interface OperatorProcess {
  child: ChildProcess;
  healthUrl: string;
  metricsUrl: string;
  /** Combined stdout/stderr, for failure messages. */
  output(): string;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Fetches /metrics and returns the value of one sample (summing matching series), or 0. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** Starts the operator against `kubeconfig`, waits until it logs that it started (caches synced). */
export async function startOperator(opts: {
  kubeconfig: string;
  args?: string[];
  env?: Record<string, string>;
  waitFor?: "started" | "listening";
  timeoutMs?: number;
}): Promise<OperatorProcess> {
  const args = [
    MAIN,
    "--metrics-bind-address=127.0.0.1:0",
    "--health-probe-bind-address=127.0.0.1:0",
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      KUBECONFIG: opts.kubeconfig,
      LOG_LEVEL: "info",
      NODE_OPTIONS: manifestNodeOptions(),
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  // Fixed ports given by the caller are known before the operator says anything (a standby
  // replica only logs its URLs once it leads).
  const fixed = (flag: string): string => {
    const a = args.findLast((x) => x.startsWith(`${flag}=`));
    const addr = a?.slice(flag.length + 1) ?? "";
    return /:[1-9][0-9]*$/.test(addr) ? `http://${addr}` : "";
  };
  let metricsUrl = fixed("--metrics-bind-address");
  let healthUrl = fixed("--health-probe-bind-address");
  let started = false;
  const onLine = (chunk: Buffer): void => {
    out += chunk.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout.on("data", onLine);
  child.stderr.on("data", onLine);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const want = opts.waitFor ?? "started";
  while (Date.now() < deadline) {
    for (const line of out.split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        const rec = JSON.parse(line) as { msg?: string; metrics?: string; health?: string };
        if (rec.metrics !== undefined && rec.metrics !== "") metricsUrl = rec.metrics;
        if (rec.health !== undefined && rec.health !== "") healthUrl = rec.health;
        if (rec.msg === "Started operator manager") started = true;
      } catch {
        // partial line
      }
    }
    if (want === "started" ? started : metricsUrl !== "" && healthUrl !== "") break;
    if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (want === "started" && !started) {
    child.kill("SIGKILL");
    throw new Error(`operator did not start in time:\n${out.slice(-5000)}`);
  }
  return {
    child,
    healthUrl,
    metricsUrl,
    output: () => out,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
    async metric(name, labels = {}) {
      if (metricsUrl === "") throw new Error("operator has no metrics URL yet");
      const text = await (await fetch(`${metricsUrl.replace(/\/$/, "")}/metrics`)).text();
      return sumSamples(text, name, labels);
    },
  };
}

/** Sums the samples of `name` whose labels include `labels` in Prometheus text format. */
export function sumSamples(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (m?.[1] !== name) continue;
    const ls = m[3] ?? "";
    if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) sum += Number(m[4]);
  }
  return sum;
}
