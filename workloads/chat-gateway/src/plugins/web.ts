// Serves the web client (workloads/chat-web, built by `make web`) from the chat fleet itself: the
// files are read and gzipped once at start, `/assets/*` (content-hashed names) are immutable,
// `index.html` is revalidated, and every page response carries a strict Content-Security-Policy
// that allows scripts and styles from this origin only and connections only to the fleet and the
// realm. `/web-config.json` tells the page which realm, client, endpoints and models to use.
// `fleetCors` lets a page loaded from one replica's origin call the others (CHAT_WEB_ENDPOINTS):
// when its replica dies, the page buys its next ticket from another origin.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";

export interface WebOptions {
  /** Directory of the built client (index.html + assets/). */
  dir: string;
  /** Realm the page signs in with, and its public client. */
  issuer: string;
  clientId: string;
  /** Base URLs of the fleet offered to the page (empty: the page's own origin only). */
  endpoints: string[];
  models: string[];
  defaultModel: string;
}

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Reads the built client into memory; fails at start (not per request) when it is missing. */
export function loadAssets(dir: string): Map<string, Asset> {
  if (!existsSync(join(dir, "index.html"))) {
    throw new Error(
      `web client not built: ${join(dir, "index.html")} is missing (run make web, or unset CHAT_WEB_DIR)`,
    );
  }
  const out = new Map<string, Asset>();
  for (const file of walk(dir)) {
    const type = TYPES[extname(file)];
    if (type === undefined) continue;
    const body = readFileSync(file);
    const urlPath = `/${relative(dir, file).split(sep).join("/")}`;
    out.set(urlPath, {
      body,
      gzip: gzipSync(body, { level: 9 }),
      type,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
      immutable: urlPath.startsWith("/assets/"),
    });
  }
  return out;
}

function origin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The page's CSP: nothing inline, nothing from elsewhere, connections to the fleet and realm only. */
export function contentSecurityPolicy(o: Pick<WebOptions, "issuer" | "endpoints">): string {
  const connect = new Set(["'self'"]);
  for (const u of [o.issuer, ...o.endpoints]) {
    const org = origin(u);
    if (org === undefined) continue;
    connect.add(org);
    connect.add(org.replace(/^http/, "ws"));
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${[...connect].join(" ")}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function send(req: FastifyRequest, reply: FastifyReply, a: Asset, csp: string): FastifyReply {
  reply
    .header("content-type", a.type)
    .header("etag", a.etag)
    .header("x-content-type-options", "nosniff")
    .header("vary", "accept-encoding");
  reply.header("cache-control", a.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (a.type.startsWith("text/html"))
    reply.header("content-security-policy", csp).header("referrer-policy", "no-referrer");
  if (req.headers["if-none-match"] === a.etag) return reply.code(304).send();
  const gz = /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
  if (gz) reply.header("content-encoding", "gzip");
  return reply.send(gz ? a.gzip : a.body);
}

async function webPlugin(app: FastifyInstance, o: WebOptions): Promise<void> {
  const assets = loadAssets(o.dir);
  const csp = contentSecurityPolicy(o);
  const config = JSON.stringify({
    issuer: o.issuer,
    clientId: o.clientId,
    endpoints: o.endpoints,
    models: o.models,
    defaultModel: o.defaultModel,
  });
  const index = assets.get("/index.html");
  if (index === undefined) throw new Error("web client: index.html missing");

  app.get("/web-config.json", async (_req, reply) =>
    reply.header("cache-control", "no-cache").type("application/json").send(config),
  );
  // The single page answers at / (also for the sign-in redirect, which adds ?code=&state=).
  app.get("/", async (req, reply) => send(req, reply, index, csp));
  app.get("/assets/*", async (req, reply) => {
    const a = assets.get(req.url.split("?")[0] ?? "");
    if (a === undefined)
      return reply.code(404).send({ code: "CG_ERR_NOT_FOUND", message: "no such asset" });
    return send(req, reply, a, csp);
  });
  await Promise.resolve();
}

export default fp(webPlugin, { name: "chat-web" });

/** The origins allowed to call this replica from a browser: those of the fleet's endpoints. */
export function fleetOrigins(endpoints: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const e of endpoints) {
    const o = origin(e);
    if (o !== undefined && o !== "null") out.add(o);
  }
  return out;
}

/**
 * CORS for the fleet's own pages. The API authenticates with a bearer header, never a cookie, so
 * CORS protects no credentials here; it is what lets a page served by one replica (one origin) buy
 * a ticket, read and post on another when its own replica is gone. Only the fleet's origins get an
 * answer, and no credentials mode: a page elsewhere still cannot use a token from this realm's
 * users through a browser. Registered before the routes so its hook covers all of them; the
 * preflight gets its own OPTIONS route here, because the gateway runs encapsulated (server.ts
 * registers it as a plugin) and its hooks never reach the root's not-found handler.
 */
async function corsPlugin(
  app: FastifyInstance,
  o: { endpoints: readonly string[] },
): Promise<void> {
  const allowed = fleetOrigins(o.endpoints);
  app.addHook("onRequest", async (req, reply) => {
    const from = req.headers.origin;
    if (from !== undefined && allowed.has(from))
      void reply.header("access-control-allow-origin", from).header("vary", "origin");
    await Promise.resolve();
  });
  app.options("/*", async (req, reply) => {
    const from = req.headers.origin;
    if (
      from === undefined ||
      !allowed.has(from) ||
      req.headers["access-control-request-method"] === undefined
    )
      return reply.code(404).send({ code: "CG_ERR_NOT_FOUND", message: "no such route" });
    // A preflight: the page sends the bearer header (and JSON bodies to /v1/frames).
    return reply
      .code(204)
      .header("access-control-allow-methods", "GET, POST")
      .header("access-control-allow-headers", "authorization, content-type")
      .header("access-control-max-age", "600")
      .send();
  });
  await Promise.resolve();
}

export const fleetCors = fp(corsPlugin, { name: "chat-web-cors" });
