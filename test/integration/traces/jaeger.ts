/**
 * A real Jaeger for the trace tests: the v2 binary from hack/tools/jaeger.sh (built from its Go
 * module, cached by version), started with a minimal config (OTLP/HTTP receiver, in-memory
 * storage, query API), every port on 127.0.0.1 and chosen free, stopped by its recorded PID.
 */
import { execFile, spawn } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { freePort, waitForHttp } from "../inference-gateway/helpers.ts";

const SCRIPT = resolve(import.meta.dirname, "../../../hack/tools/jaeger.sh");

/** A running Jaeger. */
export interface Jaeger {
  /** OTLP/HTTP base URL: the value of OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint: string;
  /** Where the query API answers (`/api/traces/<id>`). */
  queryUrl: string;
  pid: number;
  /** The last lines of Jaeger's log (for failure messages). */
  logTail: () => string;
  close: () => Promise<void>;
}

/** One span as Jaeger's query API returns it (the fields the tests read). */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; type: string; value: unknown }[];
  processID: string;
  /** Filled in by {@link getTrace} from the trace's process table. */
  serviceName: string;
}

function config(otlp: number, http: number, grpc: number): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    enable_tracing: false
    storage:
      traces: mem
    http:
      endpoint: 127.0.0.1:${http}
    grpc:
      endpoint: 127.0.0.1:${grpc}
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`;
}

/** Builds Jaeger if its cache is cold (hack/test.sh already did), starts it and waits until it answers. */
export async function startJaeger(): Promise<Jaeger> {
  const { stdout } = await promisify(execFile)("bash", [SCRIPT, "path"], { maxBuffer: 1 << 20 });
  const bin = join(stdout.trim(), "jaeger");
  const dir = await mkdtemp(join(tmpdir(), "jaeger-test-"));
  const [otlp, http, grpc] = [await freePort(), await freePort(), await freePort()];
  const cfg = join(dir, "config.yaml");
  await writeFile(cfg, config(otlp, http, grpc));
  const logPath = join(dir, "jaeger.log");
  const log = openSync(logPath, "a");
  const proc = spawn(bin, ["--config", cfg], { stdio: ["ignore", log, log] });
  closeSync(log);
  const pid = proc.pid;
  if (pid === undefined) throw new Error("Jaeger did not start");
  const exited = new Promise<void>((r) =>
    proc.once("exit", () => {
      r();
    }),
  );
  const logTail = (): string => readFileSync(logPath, "utf8").split("\n").slice(-20).join("\n");
  const close = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      process.kill(pid, "SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const queryUrl = `http://127.0.0.1:${http}`;
  try {
    await waitForHttp(`${queryUrl}/api/services`, 30_000);
  } catch (err) {
    const tail = logTail();
    await close();
    throw new Error(`${(err as Error).message}; Jaeger's log:\n${tail}`, { cause: err });
  }
  return { otlpEndpoint: `http://127.0.0.1:${otlp}`, queryUrl, pid, logTail, close };
}

/** The spans of one trace (empty until Jaeger stored it), each with its service name. */
export async function getTrace(queryUrl: string, traceId: string): Promise<JaegerSpan[]> {
  const res = await fetch(`${queryUrl}/api/traces/${traceId}`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`Jaeger answered ${res.status} for trace ${traceId}`);
  const body = (await res.json()) as {
    data: { spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> }[] | null;
  };
  const t = body.data?.[0];
  if (t === undefined) return [];
  return t.spans.map((s) => ({ ...s, serviceName: t.processes[s.processID]?.serviceName ?? "" }));
}

/** The value of a span's tag, if it has it. */
export function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

/** The span id of a span's CHILD_OF parent, if any. */
export function parentOf(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.refType === "CHILD_OF")?.spanID;
}
