// The admission webhook HTTPS server.
// `webhookApp` is a Fastify plugin (routes only, testable with `app.inject`); `startWebhookServer`
// owns TLS, timeouts, listen (127.0.0.1 by default) and certificate hot-swap via
// https.Server#setSecureContext, so a rotated certificate is served without a restart.
import fastify, { LogController } from "fastify";
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from "fastify";
import type { Logger } from "pino";
import { admit } from "./admit.ts";
import { handlerPath } from "./handlers.ts";
import type { WebhookMetrics } from "./metrics.ts";
import { parseDurationMs } from "./object.ts";
import { parseAdmissionReview } from "./review.ts";
import type { Lookup, PolicyConfig, WebhookHandler } from "./types.ts";

/** Largest AdmissionReview accepted: object + oldObject of a ~3 MiB etcd entry, with room. */
export const BODY_LIMIT = 8 * 1024 * 1024;
/** Internal review deadline; webhook configurations use timeoutSeconds 10 (see README). */
export const DEFAULT_DEADLINE_MS = 6000;
/** Margin kept below the API server's own `?timeout=` for sending the answer. */
const TIMEOUT_MARGIN_MS = 1500;

/** Options of the routes plugin. */
export interface WebhookAppOptions {
  handlers: readonly WebhookHandler[];
  lookup: Lookup;
  policy: PolicyConfig;
  /** Upper bound for answering one review, in ms. */
  deadlineMs?: number;
  /** Request count, in-flight and latency per webhook path (controller-runtime names). */
  metrics?: WebhookMetrics;
}

class BadReview extends Error {
  readonly statusCode = 400;
}

/**
 * Effective deadline: our own bound, lowered to stay inside the API server's `timeout` query
 * parameter (it sends `?timeout=10s`), never below 100 ms.
 */
export function effectiveDeadline(ownMs: number, timeoutParam: unknown): number {
  const server = parseDurationMs(timeoutParam);
  if (server === undefined) return ownMs;
  return Math.max(100, Math.min(ownMs, server - TIMEOUT_MARGIN_MS));
}

function sendError(reply: FastifyReply, code: number, error: string): FastifyReply {
  return reply.code(code).type("application/json").send({ error });
}

/** Parses every body ourselves so any content type and any bad JSON gets the same clear 400. */
function parseBodiesAsReviews(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "*",
    { parseAs: "string", bodyLimit: BODY_LIMIT },
    (_req, body, done) => {
      const text = typeof body === "string" ? body : body.toString("utf8");
      if (text.trim() === "") {
        done(
          new BadReview("body: empty; expected an admission.k8s.io/v1 AdmissionReview"),
          undefined,
        );
        return;
      }
      try {
        done(null, JSON.parse(text));
      } catch (err: unknown) {
        done(
          new BadReview(`body: invalid JSON (${err instanceof Error ? err.message : String(err)})`),
          undefined,
        );
      }
    },
  );
}

/** 4xx keep their message; anything else is a logged 500 that says only "internal error". */
function answerErrorsAsJson(app: FastifyInstance): void {
  app.setErrorHandler((err: { statusCode?: number; message?: string }, req, reply) => {
    const code =
      typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500
        ? err.statusCode
        : 500;
    if (code === 500) req.log.error({ err }, "Failed to handle admission request");
    return sendError(reply, code, code === 500 ? "internal error" : (err.message ?? "bad request"));
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, `no webhook at ${req.method} ${req.url.split("?")[0] ?? ""}`),
  );
}

/**
 * Counts a request from arrival to the end of the response, or until the connection closed
 * without one ('close' fires either way), so in-flight never leaks.
 */
function countRequests(
  metrics: WebhookMetrics | undefined,
  webhook: string,
): onRequestHookHandler[] {
  if (metrics === undefined) return [];
  return [
    (_req, reply, done) => {
      metrics.inFlight.inc({ webhook });
      const end = metrics.latency.startTimer({ webhook });
      reply.raw.once("close", () => {
        metrics.inFlight.dec({ webhook });
        end();
        metrics.requests.inc({ webhook, code: String(reply.raw.statusCode) });
      });
      done();
    },
  ];
}

type ReviewRequest = FastifyRequest<{ Querystring: Record<string, unknown> }>;

/** The route handler of one webhook: parse the review, run its rules within the deadline, answer. */
function reviewRoute(
  handler: WebhookHandler,
  opts: WebhookAppOptions,
  webhook: string,
): (req: ReviewRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  return async (req, reply) => {
    const parsed = parseAdmissionReview(req.body);
    if (!parsed.ok) return sendError(reply, 400, `malformed AdmissionReview: ${parsed.error}`);
    const answer = await admit(handler, parsed.request, {
      lookup: opts.lookup,
      policy: opts.policy,
      deadlineMs: effectiveDeadline(deadlineMs, req.query["timeout"]),
      onError: (err, r) => {
        req.log.warn(
          { err, uid: r.uid, kind: r.kind.kind, name: r.name, namespace: r.namespace },
          "Failed to evaluate admission rules",
        );
      },
    });
    const { allowed, patch } = answer.response;
    req.log.debug(
      { uid: parsed.request.uid, webhook, allowed, patched: patch !== undefined },
      "Answered admission review",
    );
    return reply.code(200).type("application/json").send(answer);
  };
}

/** Routes: POST /validate/<name>, POST /mutate/<name> per handler; GET /healthz. */
export const webhookApp: FastifyPluginAsync<WebhookAppOptions> = (app, opts) => {
  parseBodiesAsReviews(app);
  answerErrorsAsJson(app);
  app.get("/healthz", () => ({ status: "ok" }));
  for (const handler of opts.handlers) {
    const webhook = handlerPath(handler);
    app.post<{ Querystring: Record<string, unknown> }>(
      webhook,
      { onRequest: countRequests(opts.metrics, webhook) },
      reviewRoute(handler, opts, webhook),
    );
  }
  return Promise.resolve();
};

/** PEM serving certificate and key. */
export interface TLSPair {
  cert: string;
  key: string;
}

/**
 * Bounds on what one client can hold. The only legitimate client is the API server, which keeps a
 * few long-lived connections and finishes its TLS handshake and headers in milliseconds; anything
 * in the cluster network may also connect, so a slow or stuck client is cut and the number of
 * open connections is capped (a connection beyond the cap is closed at once).
 */
export interface ConnectionLimits {
  /** Open connections at most (default 256). */
  maxConnections: number;
  /** The TLS handshake must finish within this (default 5 s; Node's own is 120 s). */
  handshakeTimeoutMs: number;
  /** Request headers must arrive within this (default 10 s). */
  headersTimeoutMs: number;
  /** A whole request must arrive within this (default 15 s). */
  requestTimeoutMs: number;
  /** A connection with no traffic is closed after this (default 30 s). */
  idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxConnections: 256,
  handshakeTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  idleTimeoutMs: 30_000,
};

/** Options of `startWebhookServer`. */
export interface WebhookServerOptions extends WebhookAppOptions {
  tls: TLSPair;
  /** Bind address; 127.0.0.1 unless set (in a pod: the pod IP or 0.0.0.0, see README). */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
  /** Overrides of DEFAULT_LIMITS. */
  limits?: Partial<ConnectionLimits>;
}

/** A running webhook server. */
export interface WebhookServer {
  /** `https://<host>:<port>` */
  url: string;
  port: number;
  /** Replaces the TLS certificate for new connections (no restart). */
  setCertificate(tls: TLSPair): void;
  close(): Promise<void>;
}

/** Starts the HTTPS server with every handler mounted. */
export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const host = opts.host ?? "127.0.0.1";
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const app = fastify({
    https: {
      cert: opts.tls.cert,
      key: opts.tls.key,
      minVersion: "TLSv1.2",
      handshakeTimeout: limits.handshakeTimeoutMs,
    },
    loggerInstance: opts.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // A review is answered within its deadline; these only bound slow or stuck clients.
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    return503OnClosing: true,
    // On shutdown, close the API server's idle kept-alive connections at once, but let reviews in
    // flight finish (each is bounded by its deadline): cutting one fails the user's request when
    // the failure policy is Fail.
    forceCloseConnections: "idle",
  });
  // Reviews answered after stop() began close their connection, so close() does not wait for
  // the API server's kept-alive connections to time out.
  let closing = false;
  app.addHook("onSend", (_req, reply, payload, done) => {
    if (closing) void reply.header("connection", "close");
    done(null, payload);
  });
  await app.register(webhookApp, {
    handlers: opts.handlers,
    lookup: opts.lookup,
    policy: opts.policy,
    ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
    ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
  });
  app.server.maxConnections = limits.maxConnections;
  app.server.headersTimeout = limits.headersTimeoutMs;
  // Connections without a complete request are checked this often against the timeouts above
  // (Node's default, 30 s, would let a slow-loris client hold a socket that much longer). Read
  // when the server starts listening.
  (app.server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = 1_000;
  await app.listen({ host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : opts.port;
  return {
    url: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    setCertificate(tls: TLSPair): void {
      app.server.setSecureContext({ cert: tls.cert, key: tls.key, minVersion: "TLSv1.2" });
    },
    close: () => {
      closing = true;
      return app.close();
    },
  };
}
