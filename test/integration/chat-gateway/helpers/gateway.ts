// Starting chat-gateway replicas for tests: in-process (app.inject / listen on port 0) or as a
// child process (so a test can SIGKILL it), plus a WebSocket client that records every frame.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../../../../workloads/chat-gateway/src/config.ts";
import { buildServer } from "../../../../workloads/chat-gateway/src/server.ts";
import { requireEnv } from "./env.ts";

/** The app role password of the test replicas (the redaction test greps the logs for it). */
export const APP_DB_PASSWORD = `cg-test-${Math.random().toString(36).slice(2, 10)}`;

export const SERVER_TS = fileURLToPath(
  new URL("../../../../workloads/chat-gateway/src/server.ts", import.meta.url),
);

export interface IssuerEntry {
  issuer: string;
  tenant: string;
  audience: string;
}

/** Environment for a replica: real services from the test env plus overrides. */
export function replicaEnv(
  issuers: IssuerEntry[],
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: requireEnv("DATABASE_URL"),
    CHAT_APP_DB_PASSWORD: APP_DB_PASSWORD,
    REDIS_URL: requireEnv("REDIS_URL"),
    CHAT_OIDC_ISSUERS: JSON.stringify(issuers),
    CHAT_HOST: "127.0.0.1",
    CHAT_RATE_LIMIT_MESSAGES: "100000",
    CHAT_FRAMES_PER_SECOND: "2000",
    CHAT_HEAD_POLL_MS: "500",
    ...extra,
  };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

export interface InProcessReplica {
  app: FastifyInstance;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

/** Starts a replica in this process on a random port. */
export async function startInProcess(env: Record<string, string>): Promise<InProcessReplica> {
  const cfg = loadConfig({ ...env, CHAT_PORT: "0" });
  const app = await buildServer(cfg, process.env["CG_TEST_LOG"] ?? "warn");
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    app,
    url: address,
    wsUrl: address.replace(/^http/, "ws") + "/v1/ws",
    close: () => app.close(),
  };
}

export interface ChildReplica {
  proc: ChildProcess;
  url: string;
  wsUrl: string;
  logs: string[];
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts a replica as a child process (node server.ts) and waits until it listens (on `port`, else a free one). */
export async function startChild(
  env: Record<string, string>,
  replicaId: string,
  port?: number,
): Promise<ChildReplica> {
  port ??= await freePort();
  const proc = spawn(process.execPath, [SERVER_TS], {
    env: {
      ...process.env,
      LOG_LEVEL: "info",
      ...env,
      CHAT_PORT: String(port),
      CHAT_REPLICA_ID: replicaId,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`replica ${replicaId} did not start: ${logs.join("")}`));
    }, 30_000);
    const onData = (d: Buffer): void => {
      const s = d.toString();
      logs.push(s);
      if (s.includes("Started chat gateway")) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", (d: Buffer) => logs.push(d.toString()));
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`replica ${replicaId} exited with ${code}: ${logs.join("")}`));
    });
  });
  proc.removeAllListeners("exit");
  return {
    proc,
    url,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    logs,
    kill: (signal) =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          resolve(proc.exitCode);
          return;
        }
        proc.once("exit", (code) => {
          resolve(code);
        });
        proc.kill(signal);
      }),
  };
}

export type Frame = Record<string, unknown> & { type: string };

/** A WebSocket client that records frames and lets a test wait for one. */
export class TestClient {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  closeCode: number | null = null;
  readonly opened: Promise<void>;
  readonly closedP: Promise<number>;
  #waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];

  constructor(wsUrl: string, token: string | null, opts: { protocol?: string } = {}) {
    const headers = token === null ? {} : { authorization: `Bearer ${token}` };
    this.ws = new WebSocket(wsUrl, opts.protocol === undefined ? [] : [opts.protocol], { headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => {
        resolve();
      });
      this.ws.once("unexpected-response", (_req, res) => {
        reject(new Error(`HTTP ${res.statusCode}`));
      });
      this.ws.once("error", reject);
    });
    this.opened.catch(() => undefined);
    this.closedP = new Promise((resolve) => {
      this.ws.once("close", (code) => {
        this.closeCode = code;
        resolve(code);
      });
    });
    this.ws.on("error", () => undefined);
    this.ws.on("message", (data) => {
      const f = JSON.parse((data as Buffer).toString()) as Frame;
      this.frames.push(f);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pred(f)) return true;
        w.resolve(f);
        return false;
      });
    });
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ v: 1, ...frame }));
  }

  sendRaw(raw: string | Buffer): void {
    this.ws.send(raw);
  }

  /** Waits for a frame (already received or future) matching `pred`. */
  waitFor(pred: (f: Frame) => boolean, timeoutMs = 15_000, what = "frame"): Promise<Frame> {
    const found = this.frames.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        reject(
          new Error(
            `timed out waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-3))}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(t);
          resolve(f);
        },
      });
    });
  }

  /** Sends a frame with an id and waits for its `accepted` (or `error`) answer. */
  async request(frame: Record<string, unknown>, timeoutMs = 15_000): Promise<Frame> {
    const id = `r-${Math.random().toString(36).slice(2)}`;
    this.send({ ...frame, id });
    return this.waitFor(
      (f) => f["ref"] === id && f.type !== "subscribed",
      timeoutMs,
      `answer to ${String(frame["type"])}`,
    );
  }

  /** Waits for the first reply of a subscribed conversation to end: completed or incomplete. */
  async replyEnd(timeoutMs = 60_000): Promise<{ type: string; content: string }> {
    const f = await this.waitFor(
      (x) =>
        x.type === "event" &&
        ["reply.completed", "reply.incomplete"].includes((x["event"] as { type: string }).type),
      timeoutMs,
      "the end of the reply",
    );
    const ev = f["event"] as { type: string; data: { content: string } };
    return { type: ev.type, content: ev.data.content };
  }

  /** Event frames of a conversation received so far, in arrival order. */
  events(conversationId: string): Frame[] {
    return this.frames.filter((f) => f.type === "event" && f["conversationId"] === conversationId);
  }

  close(): Promise<number> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close();
    return this.closedP;
  }
}
