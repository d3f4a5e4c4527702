// Test-only scriptable API server on 127.0.0.1. Tests decide every answer: list responses, watch
// streams (send events, end, stay silent), and generic CRUD through a handler, while every
// request is recorded for assertions.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

/** A recorded request. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/** A reply from a test handler. */
export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One open watch stream. */
export class WatchStream {
  readonly request: RecordedRequest;
  readonly #res: ServerResponse;
  #closed = false;

  constructor(request: RecordedRequest, res: ServerResponse) {
    this.request = request;
    this.#res = res;
    res.on("close", () => {
      this.#closed = true;
    });
  }

  /** True once either side closed the stream. */
  get closed(): boolean {
    return this.#closed || this.#res.destroyed;
  }

  /** Sends one watch event line. */
  send(type: string, object: unknown): void {
    if (!this.closed) this.#res.write(JSON.stringify({ type, object }) + "\n");
  }

  /** Writes raw bytes (for malformed-line tests). */
  sendRaw(text: string): void {
    if (!this.closed) this.#res.write(text);
  }

  /** Kills the TCP connection mid-stream (like an apiserver crash). */
  destroy(): void {
    this.#res.socket?.destroy();
  }

  /** Ends the stream cleanly (like a server-side timeout). */
  end(): void {
    if (!this.closed) this.#res.end();
  }

  /** Resolves when the client disconnects (e.g. after a watchdog abort). */
  waitClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) =>
      this.#res.on("close", () => {
        resolve();
      }),
    );
  }
}

type Handler = (req: RecordedRequest) => FakeReply | undefined | Promise<FakeReply | undefined>;

/** The scriptable server. */
export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Answers non-watch requests; return undefined for 404. */
  handler: Handler = () => undefined;
  /** Status for the next watch requests (e.g. 410); consumed one per request. */
  watchFailures: FakeReply[] = [];
  /** TCP connections accepted since start (or the last reset): shows connection reuse. */
  connections = 0;
  readonly #server: Server;
  #watches: WatchStream[] = [];
  #watchWaiters: ((w: WatchStream) => void)[] = [];
  #url = "";

  constructor() {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    this.#server.on("connection", () => {
      this.connections++;
    });
  }

  /** Starts listening on an ephemeral port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) =>
      this.#server.listen(0, "127.0.0.1", () => {
        resolve();
      }),
    );
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  get url(): string {
    return this.#url;
  }

  /** A KubeConfig pointing at this server. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "fake", server: this.#url, skipTLSVerify: true }],
      users: [{ name: "fake", token: "test-token" }],
      contexts: [{ name: "fake", cluster: "fake", user: "fake" }],
      currentContext: "fake",
    });
    return kc;
  }

  /** Watch streams opened so far. */
  get watches(): readonly WatchStream[] {
    return this.#watches;
  }

  /** Resolves with the n-th (0-based) watch stream once it is opened. */
  watch(n: number, timeoutMs = 5000): Promise<WatchStream> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`watch #${n} not opened within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        const w = this.#watches[n];
        if (w !== undefined) {
          clearTimeout(timer);
          resolve(w);
        } else {
          this.#watchWaiters.push(check);
        }
      };
      check();
    });
  }

  /** Non-watch requests matching method and path prefix. */
  calls(method: string, pathPrefix = ""): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        r.method === method && r.path.startsWith(pathPrefix) && r.query.get("watch") !== "true",
    );
  }

  /** Ends open watches and forgets recorded requests and streams (between tests). */
  reset(): void {
    for (const w of this.#watches) w.end();
    this.#watches = [];
    this.#watchWaiters = [];
    this.requests.length = 0;
    this.watchFailures = [];
    this.handler = () => undefined;
    this.connections = 0;
  }

  async close(): Promise<void> {
    for (const w of this.#watches) w.end();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://x");
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: text === "" ? undefined : (JSON.parse(text) as unknown),
    };
    this.requests.push(rec);
    if (rec.method === "GET" && url.searchParams.get("watch") === "true") {
      const failure = this.watchFailures.shift();
      if (failure !== undefined) {
        this.#reply(res, failure);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      const w = new WatchStream(rec, res);
      this.#watches.push(w);
      const waiters = this.#watchWaiters;
      this.#watchWaiters = [];
      for (const fn of waiters) fn(w);
      return;
    }
    const reply = (await this.handler(rec)) ?? {
      status: 404,
      body: { kind: "Status", code: 404, reason: "NotFound", message: "not found" },
    };
    this.#reply(res, reply);
  }

  #reply(res: ServerResponse, r: FakeReply): void {
    res.writeHead(r.status, { "content-type": "application/json", ...r.headers });
    res.end(r.body === undefined ? "" : JSON.stringify(r.body));
  }
}

/** A metav1.Status body. */
export function status(code: number, reason: string, message = reason): FakeReply {
  return {
    status: code,
    body: { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message },
  };
}

/** Polls `cond` every 5 ms until true or `timeoutMs` (generous by default) passes. */
export async function eventually(
  cond: () => boolean,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
