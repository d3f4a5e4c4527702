// A chat client that follows the gateway README's client algorithm (protocol section "Regions and
// client failover"): it keeps the highest seq of its conversation and the latest regions table
// (welcome, reconnect, GET /regions); on `reconnect` it reconnects at once to its region; on any
// other loss it retries its region with backoff, and fails over to the best healthy region of the
// same dataRegion (priority, then weight) when a table marks its region unhealthy or after
// FAILOVER_AFTER_MS of failed attempts; after connecting anywhere it resubscribes with
// after = its highest seq. Every delivered event is recorded with its time and endpoint, so tests
// can check for lost or duplicated events and measure recovery time.
import WebSocket from "ws";

export interface RegionRow {
  name: string;
  dataRegion: string;
  endpoint: string;
  priority: number;
  weight: number;
  healthy: boolean;
}
export interface RegionsTable {
  self: string | null;
  regions: RegionRow[];
}

export interface Delivery {
  seq: number;
  at: number;
  endpoint: string;
}

/** The README's "about 10 s of failed attempts" before failing over without a table saying so. */
export const FAILOVER_AFTER_MS = 10_000;

type Frame = Record<string, unknown> & { type: string };

function httpBase(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `${u.protocol === "wss:" ? "https:" : "http:"}//${u.host}`;
}

/** Best healthy region of `dataRegion` other than `own`, by priority then weight (no randomness: tests). */
export function pickFallback(
  t: RegionsTable,
  own: string,
  dataRegion: string,
): RegionRow | undefined {
  return t.regions
    .filter((r) => r.name !== own && r.healthy && r.dataRegion === dataRegion)
    .sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
}

export class RegionClient {
  readonly deliveries: Delivery[] = [];
  /** Why the client last changed endpoint: "table" (a table marked its region unhealthy), "timeout" or "reconnect". */
  readonly switches: { at: number; to: string; why: string }[] = [];
  table: RegionsTable | undefined;
  endpoint: string;
  /** Where to reconnect after a drain when `endpoint` is one pod's address. */
  serviceEndpoint: string | undefined;
  readonly token: string;
  readonly conversationId: string;
  #ws: WebSocket | undefined;
  #closed = false;
  #lastSeq = 0;
  #connected: Promise<void> = Promise.resolve();
  readonly #home: { name: string; dataRegion: string };
  readonly #pending = new Map<string, (f: Frame) => void>();

  constructor(
    endpoint: string,
    home: { name: string; dataRegion: string },
    token: string,
    conversationId: string,
  ) {
    this.token = token;
    this.conversationId = conversationId;
    this.endpoint = endpoint;
    this.#home = home;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Connects, waits for welcome and for the subscription to go live. */
  start(): Promise<void> {
    this.#connected = this.#connect();
    return this.#connected;
  }

  #connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.endpoint, {
        headers: { authorization: `Bearer ${this.token}` },
      });
      this.#ws = ws;
      const endpoint = this.endpoint;
      let live = false;
      ws.once("unexpected-response", (_req, res) => {
        reject(new Error(`HTTP ${String(res.statusCode)}`));
        ws.terminate();
      });
      ws.on("error", (err) => {
        if (!live) reject(err);
      });
      ws.on("message", (data) => {
        const f = JSON.parse((data as Buffer).toString()) as Frame;
        if (f.type === "welcome") {
          if (f["regions"] !== undefined) this.table = f["regions"] as RegionsTable;
          ws.send(
            JSON.stringify({
              v: 1,
              type: "subscribe",
              conversationId: this.conversationId,
              after: this.#lastSeq,
            }),
          );
        } else if (f.type === "error" && !live) {
          reject(new Error(`error before live: ${String(f["code"])}`));
          ws.terminate();
        } else if (f.type === "live") {
          live = true;
          resolve();
        } else if (f.type === "event" && f["conversationId"] === this.conversationId) {
          const seq = Number(f["seq"]);
          this.deliveries.push({ seq, at: Date.now(), endpoint });
          if (seq > this.#lastSeq) this.#lastSeq = seq;
        } else if (typeof f["ref"] === "string" && this.#pending.has(f["ref"])) {
          this.#pending.get(f["ref"])?.(f);
          this.#pending.delete(f["ref"]);
        } else if (f.type === "reconnect") {
          if (f["regions"] !== undefined) this.table = f["regions"] as RegionsTable;
        }
      });
      ws.once("close", (code) => {
        // A connection that never went live is the caller's failed attempt (it retries); only
        // the loss of a live one starts a recovery, so there is never more than one at a time.
        if (!live) {
          reject(new Error(`closed ${String(code)} before live`));
          return;
        }
        if (this.#closed || this.#ws !== ws) return;
        void this.#recover(code);
      });
    });
  }

  async #tableSaysHomeDown(): Promise<RegionRow | undefined> {
    const t = this.table;
    if (t === undefined) return undefined;
    // Ask the other regions of the data region (their tables list this one when it is their fallback).
    for (const r of t.regions.filter(
      (x) => x.name !== this.#home.name && x.dataRegion === this.#home.dataRegion,
    )) {
      try {
        const res = await fetch(`${httpBase(r.endpoint)}/regions`, {
          signal: AbortSignal.timeout(1000),
        });
        const fresh = (await res.json()) as RegionsTable;
        const home = fresh.regions.find((x) => x.name === this.#home.name);
        if (home !== undefined && !home.healthy)
          return pickFallback(fresh, this.#home.name, this.#home.dataRegion);
      } catch {
        // that region is unreachable too
      }
    }
    return undefined;
  }

  async #recover(code: number): Promise<void> {
    const lostAt = Date.now();
    let delay = 250;
    // 1012 (drain) and 1013 (slow consumer): at once, same endpoint.
    if (code === 1012 || code === 1013) {
      delay = 0;
      // The region's Service endpoint (a client pinned to one pod came in through it).
      if (this.serviceEndpoint !== undefined) this.endpoint = this.serviceEndpoint;
    }
    for (;;) {
      if (this.#closed) return;
      await new Promise((r) => setTimeout(r, delay));
      const viaTable = await this.#tableSaysHomeDown();
      const timedOut = Date.now() - lostAt > FAILOVER_AFTER_MS && this.table !== undefined;
      const fallback =
        viaTable ??
        (timedOut
          ? pickFallback(
              this.table ?? { self: null, regions: [] },
              this.#home.name,
              this.#home.dataRegion,
            )
          : undefined);
      if (fallback !== undefined && fallback.endpoint !== this.endpoint) {
        this.endpoint = fallback.endpoint;
        this.switches.push({
          at: Date.now(),
          to: fallback.name,
          why: viaTable !== undefined ? "table" : "timeout",
        });
      } else if (code === 1012) {
        this.switches.push({ at: Date.now(), to: this.endpoint, why: "reconnect" });
      }
      try {
        await this.#connect();
        return;
      } catch {
        delay = delay === 0 ? 250 : Math.min(delay * 2, 2000);
      }
    }
  }

  /**
   * Sends a message (idempotent by `messageId`) and waits for `accepted`; undefined when the
   * connection is down or no answer came in `timeoutMs` (the caller retries with the same id).
   */
  async post(
    content: string,
    messageId: string,
    timeoutMs = 3000,
  ): Promise<{ seq: number; duplicate: boolean } | undefined> {
    const ws = this.#ws;
    if (ws?.readyState !== WebSocket.OPEN) return undefined;
    const id = `p-${messageId}-${String(Date.now())}`;
    const answer = new Promise<Frame | undefined>((resolve) => {
      const t = setTimeout(() => {
        this.#pending.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.#pending.set(id, (f) => {
        clearTimeout(t);
        resolve(f);
      });
    });
    ws.send(
      JSON.stringify({
        v: 1,
        type: "send",
        id,
        conversationId: this.conversationId,
        messageId,
        content,
        reply: false,
      }),
    );
    const f = await answer;
    if (f?.type !== "accepted") return undefined;
    return { seq: Number(f["seq"]), duplicate: f["duplicate"] === true };
  }

  /** Waits until the client is live again (after a loss). */
  async waitLive(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#ws?.readyState === WebSocket.OPEN) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `client not live again within ${String(timeoutMs)} ms (endpoint ${this.endpoint})`,
    );
  }

  /** Seqs delivered more than once, and seqs of 1..head never delivered. */
  check(head: number): { duplicated: number[]; missing: number[] } {
    const seen = new Map<number, number>();
    for (const d of this.deliveries) seen.set(d.seq, (seen.get(d.seq) ?? 0) + 1);
    const duplicated = [...seen.entries()].filter(([, n]) => n > 1).map(([s]) => s);
    const missing: number[] = [];
    for (let s = 1; s <= head; s++) if (!seen.has(s)) missing.push(s);
    return { duplicated, missing };
  }

  close(): void {
    this.#closed = true;
    this.#ws?.terminate();
  }
}
