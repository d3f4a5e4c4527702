// Tests for serving the web client: CSP, caching, gzip, ETag revalidation, config and a clear
// start-up error when the client was not built; CORS answers the fleet's own origins only.
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import Fastify from "fastify";
import webPlugin, { contentSecurityPolicy, fleetCors, loadAssets } from "./web.ts";

function built(): string {
  const dir = mkdtempSync(join(tmpdir(), "chat-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><script type="module" src="/assets/index-abc.js"></script>',
  );
  writeFileSync(join(dir, "assets", "index-abc.js"), "console.log('x');".repeat(200));
  return dir;
}

const opts = (dir: string) => ({
  dir,
  issuer: "http://127.0.0.1:8080/realms/acme",
  clientId: "chat-web",
  endpoints: ["http://127.0.0.1:9001", "http://127.0.0.1:9002"],
  models: ["m1", "support-bot"],
  defaultModel: "m1",
});

test("CSP allows only this origin for code and the fleet and realm for connections", () => {
  const csp = contentSecurityPolicy(opts("/x"));
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.match(
    csp,
    /connect-src 'self' http:\/\/127\.0\.0\.1:8080 ws:\/\/127\.0\.0\.1:8080 http:\/\/127\.0\.0\.1:9001 ws:\/\/127\.0\.0\.1:9001 http:\/\/127\.0\.0\.1:9002 ws:\/\/127\.0\.0\.1:9002/,
  );
  assert.match(csp, /frame-ancestors 'none'/);
});

test("serves the page, immutable assets, gzip, 304 and the config", async (t) => {
  const dir = built();
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const app = Fastify();
  await app.register(webPlugin, opts(dir));
  t.after(() => app.close());

  const page = await app.inject({ url: "/?code=x&state=y" });
  assert.equal(page.statusCode, 200);
  assert.equal(page.headers["cache-control"], "no-cache");
  assert.match(String(page.headers["content-security-policy"]), /script-src 'self'/);
  assert.equal(page.headers["x-content-type-options"], "nosniff");

  const js = await app.inject({
    url: "/assets/index-abc.js",
    headers: { "accept-encoding": "gzip, br" },
  });
  assert.equal(js.statusCode, 200);
  assert.equal(js.headers["content-encoding"], "gzip");
  assert.equal(js.headers["cache-control"], "public, max-age=31536000, immutable");
  assert.equal(gunzipSync(js.rawPayload).toString(), "console.log('x');".repeat(200));
  assert.ok(js.rawPayload.length < 200, `gzipped ${js.rawPayload.length} bytes`);

  const again = await app.inject({
    url: "/assets/index-abc.js",
    headers: { "if-none-match": String(js.headers["etag"]) },
  });
  assert.equal(again.statusCode, 304);
  assert.equal((await app.inject({ url: "/assets/nope.js" })).statusCode, 404);
  assert.equal((await app.inject({ url: "/assets/../index.html" })).statusCode, 404);

  const cfg = (await app.inject({ url: "/web-config.json" })).json<Record<string, unknown>>();
  assert.deepEqual(cfg, {
    issuer: "http://127.0.0.1:8080/realms/acme",
    clientId: "chat-web",
    endpoints: ["http://127.0.0.1:9001", "http://127.0.0.1:9002"],
    models: ["m1", "support-bot"],
    defaultModel: "m1",
  });
});

test("a missing build fails at start with a message that says what to run", () => {
  assert.throws(
    () => loadAssets(join(tmpdir(), "no-such-chat-web")),
    /web client not built: .*make web/,
  );
});

test("CORS: a page from one replica may call another; other origins get no grant", async (t) => {
  // Shaped like server.ts + app.ts: the gateway is an encapsulated plugin of the root, CORS is
  // registered first inside it, and the routes live in child contexts registered afterwards.
  const app = Fastify();
  await app.register(async (gateway) => {
    await gateway.register(fleetCors, { endpoints: opts("/x").endpoints });
    await gateway.register(async (child) => {
      child.post("/v1/tickets", () => Promise.resolve({ ticket: "t" }));
      await Promise.resolve();
    });
  });
  t.after(() => app.close());

  const preflight = await app.inject({
    method: "OPTIONS",
    url: "/v1/tickets",
    headers: {
      origin: "http://127.0.0.1:9001",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization",
    },
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers["access-control-allow-origin"], "http://127.0.0.1:9001");
  assert.match(String(preflight.headers["access-control-allow-headers"]), /authorization/);
  assert.equal(preflight.headers["access-control-allow-credentials"], undefined);

  const post = await app.inject({
    method: "POST",
    url: "/v1/tickets",
    headers: { origin: "http://127.0.0.1:9002" },
  });
  assert.equal(post.statusCode, 200);
  assert.equal(post.headers["access-control-allow-origin"], "http://127.0.0.1:9002");
  assert.match(String(post.headers["vary"]), /origin/i);

  const stranger = await app.inject({
    method: "OPTIONS",
    url: "/v1/tickets",
    headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
  });
  assert.notEqual(stranger.statusCode, 204);
  assert.equal(stranger.headers["access-control-allow-origin"], undefined);
  const strangerPost = await app.inject({
    method: "POST",
    url: "/v1/tickets",
    headers: { origin: "http://evil.example" },
  });
  assert.equal(strangerPost.headers["access-control-allow-origin"], undefined);
});
