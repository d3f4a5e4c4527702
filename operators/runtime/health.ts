// Probe and metrics endpoints on node:http (no framework needed for three routes).
// /healthz: the process and its event loop answer. /readyz: 200 only when every check passes
// (caches synced), 503 otherwise, with per-check lines like Kubernetes' own ?verbose output.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { bearerToken } from "./metrics-auth.ts";
import type { MetricsAuthorizer, MetricsDecision } from "./metrics-auth.ts";

/** A named readiness check. */
export type ReadyCheck = () => boolean;

/** A started HTTP server. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Starts `handler` on host:port (port 0 = ephemeral); resolves once listening. */
export async function listen(host: string, port: number, handler: Handler): Promise<RunningServer> {
  const server: Server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(err instanceof Error ? err.message : "internal error");
    });
  });
  // Probes must not hold shutdown hostage with keep-alive connections.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const h = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${h}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? "/", "http://x").pathname;
}

/** Handler for /healthz and /readyz; `checks` is read per request so late informers count. */
export function healthHandler(checks: () => Iterable<[string, ReadyCheck]>): Handler {
  return (req, res) => {
    const path = pathOf(req);
    if (path === "/healthz" || path === "/livez") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (path === "/readyz") {
      const lines: string[] = [];
      let ok = true;
      for (const [name, check] of checks()) {
        let pass = false;
        try {
          pass = check();
        } catch {
          pass = false;
        }
        ok &&= pass;
        lines.push(`[${pass ? "+" : "-"}]${name} ${pass ? "ok" : "failed"}`);
      }
      lines.push(ok ? "readyz check passed" : "readyz check failed");
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(lines.join("\n") + "\n");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  };
}

const DENIED: Record<Exclude<MetricsDecision, "allowed">, [number, string]> = {
  unauthenticated: [401, "Unauthorized"],
  forbidden: [403, "Forbidden: get /metrics is not allowed for this user"],
};

/**
 * Handler for /metrics in Prometheus text format; with an authorizer, only for callers whose
 * bearer token may `get` /metrics (401 without a valid token, 403 without the permission).
 */
export function metricsHandler(registry: Registry, authorizer?: MetricsAuthorizer): Handler {
  return async (req, res) => {
    if (pathOf(req) !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    if (authorizer !== undefined) {
      let decision: MetricsDecision;
      try {
        decision = await authorizer.decide(bearerToken(req));
      } catch {
        // The API server could not answer: fail closed, without detail for the caller.
        res.writeHead(503, { "content-type": "text/plain" }).end("authorization unavailable");
        return;
      }
      if (decision !== "allowed") {
        const [code, text] = DENIED[decision];
        res.writeHead(code, { "content-type": "text/plain" }).end(text);
        return;
      }
    }
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType }).end(body);
  };
}
