// Serves the web client (workloads/chat-web, built by `make web`) from the chat fleet itself: the
// files are read and gzipped once at start, `/assets/*` (content-hashed names) are immutable,
// `index.html` is revalidated, and every page response carries a strict Content-Security-Policy
// that allows scripts and styles from this origin only and connections only to the fleet and the
// realm. `/web-config.json` tells the page which realm, client, endpoints and models to use.
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
