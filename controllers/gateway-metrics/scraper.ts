// Scrapes the inference gateway's processes: the ready pods behind its Service (the Service's own
// selector and target port, as its EndpointSlices would list them), GET /metrics from each, keeps
// the scrapes in a History and gives the current window. One scrape round per interval is shared
// by every AIModel's reconcile (single flight), so 1,000 models cost one round, not 1,000.
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { KubeClient } from "../../operators/clients/kube.ts";
import { POD, SERVICE } from "../../operators/runtime/core-kinds.ts";
import { History, parseMetrics, snapshotOf, windowOf } from "./measure.ts";
import type { Window } from "./measure.ts";

/** Where and how often to scrape. */
export interface ScraperOptions {
  namespace: string;
  service: string;
  intervalMs: number;
  windowMs: number;
  /** Per-request timeout of one /metrics GET. */
  timeoutMs?: number;
  /** Largest /metrics body read (a misbehaving process cannot exhaust the operator's memory). */
  maxBytes?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

/** One round's result. */
export interface Measured {
  at: number;
  /** Processes scraped successfully this round. */
  processes: number;
  /** Why none was scraped (Service missing, no ready pod, every scrape failed). */
  problem: string | undefined;
  window: Window;
}

const isServing = (p: V1Pod): boolean =>
  p.metadata?.deletionTimestamp === undefined &&
  (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** The pod port the Service's first port targets (a number, or a container port's name). */
function portOf(svc: V1Service, p: V1Pod): number | undefined {
  const first = svc.spec?.ports?.[0];
  const target = first?.targetPort ?? first?.port;
  if (typeof target === "number") return target;
  const ports = (p.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  return ports.find((cp) => cp.name === target)?.containerPort;
}

/** Scrape URL per ready pod (keyed by uid): its IP and the container port the Service targets. */
export function targetsOf(svc: V1Service, pods: readonly V1Pod[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of pods) {
    const ip = p.status?.podIP ?? "";
    const port = portOf(svc, p);
    if (ip === "" || port === undefined || !isServing(p)) continue;
    const host = ip.includes(":") ? `[${ip}]` : ip;
    out.set(p.metadata?.uid ?? `${ip}:${port}`, `http://${host}:${port}/metrics`);
  }
  return out;
}

/** `k=v,k=v` of a Service selector; undefined for a Service without one (selects nothing). */
export function selectorOf(svc: V1Service): string | undefined {
  const sel = Object.entries(svc.spec?.selector ?? {});
  return sel.length === 0 ? undefined : sel.map(([k, v]) => `${k}=${v}`).join(",");
}

/** Shared scrape rounds over the gateway's pods. */
export class GatewayScraper {
  readonly #client: Pick<KubeClient, "get" | "list">;
  readonly #o: Required<Omit<ScraperOptions, "fetch" | "now">>;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #history: History;
  #last: Measured | undefined;
  #inflight: Promise<Measured> | undefined;

  constructor(client: Pick<KubeClient, "get" | "list">, o: ScraperOptions) {
    this.#client = client;
    this.#o = { timeoutMs: 2000, maxBytes: 8 << 20, ...o };
    this.#now = o.now ?? Date.now;
    this.#fetch = o.fetch ?? fetch;
    this.#history = new History(o.windowMs);
  }

  /** The latest round, scraping again when it is older than the interval. */
  async current(): Promise<Measured> {
    const last = this.#last;
    if (last !== undefined && this.#now() - last.at < this.#o.intervalMs) return last;
    this.#inflight ??= this.#round().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #round(): Promise<Measured> {
    const at = this.#now();
    const { targets, problem } = await this.#targets();
    const failures: string[] = [];
    let processes = 0;
    await Promise.all(
      [...targets].map(async ([id, url]) => {
        try {
          const text = await this.#get(url);
          this.#history.add(id, snapshotOf(parseMetrics(text), at), new Set(targets.keys()));
          processes++;
        } catch (err) {
          failures.push(`${url}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
    const why =
      problem ?? (processes === 0 && failures.length > 0 ? failures.join("; ") : undefined);
    const m: Measured = {
      at,
      processes,
      problem: why,
      window: windowOf(this.#history.pairs(this.#o.windowMs)),
    };
    this.#last = m;
    return m;
  }

  async #targets(): Promise<{ targets: Map<string, string>; problem: string | undefined }> {
    const { namespace, service } = this.#o;
    const svc = await this.#client.get<V1Service>(SERVICE, namespace, service);
    if (svc === undefined)
      return { targets: new Map(), problem: `Service ${namespace}/${service} not found` };
    const labelSelector = selectorOf(svc);
    if (labelSelector === undefined)
      return { targets: new Map(), problem: `Service ${namespace}/${service} has no selector` };
    const pods = await this.#client.list<V1Pod>(POD, namespace, { labelSelector });
    const targets = targetsOf(svc, pods);
    return {
      targets,
      problem:
        targets.size === 0 ? `no ready pod behind Service ${namespace}/${service}` : undefined,
    };
  }

  async #get(url: string): Promise<string> {
    const res = await this.#fetch(url, { signal: AbortSignal.timeout(this.#o.timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const len = Number(res.headers.get("content-length") ?? "0");
    if (len > this.#o.maxBytes) throw new Error(`body of ${len} bytes exceeds ${this.#o.maxBytes}`);
    const text = await res.text();
    if (text.length > this.#o.maxBytes)
      throw new Error(`body of ${text.length} bytes exceeds ${this.#o.maxBytes}`);
    return text;
  }
}
