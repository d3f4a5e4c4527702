// The real stack behind the web client's browser tests: a Keycloak realm with the public
// `chat-web` client (code flow + PKCE) and users, the inference gateway in front of the
// deterministic test upstream, two chat-gateway replicas as child processes serving the built
// client, and Debian's Chromium driven by playwright-core. Everything on 127.0.0.1.
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { createClient, createTestRealm, createUser, issuerUrl } from "../../helpers/keycloak.ts";
import type { ChildReplica } from "../chat-gateway/helpers/gateway.ts";
import { freePort, replicaEnv, startChild } from "../chat-gateway/helpers/gateway.ts";
import { newTenant, routing, startGateway } from "../inference-gateway/helpers.ts";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";

export const REPO = resolve(import.meta.dirname, "..", "..", "..");
export const WEB_DIR = join(REPO, "workloads", "chat-web", "dist");
/**
 * Where the screenshots of the main screens go: the committed `docs/screenshots/` with
 * UPDATE_SCREENSHOTS=1 (`make screenshots`); otherwise the test environment's directory (kept
 * with its logs when a run fails), so a plain test run leaves the tree clean: pixels differ a
 * little from run to run, and that churn is not worth a commit.
 */
export const SHOTS =
  process.env["UPDATE_SCREENSHOTS"] === "1"
    ? join(REPO, "docs", "screenshots")
    : join(process.env["W"] ?? tmpdir(), "screenshots");
/** The viewport of the pages that take screenshots: small enough for small PNGs in the README. */
export const SHOT_VIEWPORT = { width: 1100, height: 700 };
const AUDIENCE = "chat-gateway";

/** Chromium from Debian (installed by hack/test.sh through hack/tools/chromium.sh). */
export function chromiumPath(): string {
  const p = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
  if (!existsSync(p))
    throw new Error(
      `${p} is missing: run the browser tests through hack/test.sh (it installs Debian's chromium), or set CHROMIUM_PATH`,
    );
  return p;
}

/** Debian's Chromium, headless, as the browser tests drive it (closing it is the caller's job). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

export interface Stack {
  realm: string;
  users: { name: string; password: string }[];
  replicas: ChildReplica[];
  urls: string[];
  upstream: Awaited<ReturnType<typeof startTestUpstream>>;
  browser: Browser;
  /** Starts a replica again on its old port (after a kill). */
  restart: (i: number) => Promise<void>;
}

export interface StackOptions {
  tokensPerSecond?: number;
  replyLeaseMs?: number;
  /** The realm's access-token lifetime in seconds (default 300). */
  accessTokenLifespan?: number;
  /** The gateways' sweep interval (ping, idle and token-expiry checks); default theirs (15 s). */
  heartbeatMs?: number;
}

/** Starts everything and registers its teardown on `t`. */
export async function startStack(t: TestContext, opts: StackOptions = {}): Promise<Stack> {
  if (!existsSync(join(WEB_DIR, "index.html")))
    throw new Error(`${WEB_DIR}/index.html is missing: run \`make web\` (hack/test.sh builds it)`);
  const ports = [await freePort(), await freePort()];
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const realm = await createTestRealm("web", t, {
    accessTokenLifespan: opts.accessTokenLifespan ?? 300,
  });
  await createClient(realm, {
    clientId: "chat-web",
    publicClient: true,
    standardFlow: true,
    directAccessGrants: false,
    redirectUris: urls.map((u) => `${u}/*`),
    webOrigins: urls,
    audience: AUDIENCE,
    extra: {
      attributes: {
        "pkce.code.challenge.method": "S256",
        "post.logout.redirect.uris": urls.map((u) => `${u}/*`).join("##"),
      },
    },
  });
  const users = [{ name: "alice", password: "alice-pw-1" }];
  for (const u of users) await createUser(realm, { username: u.name, password: u.password });

  const upstream = await startTestUpstream({
    tokensPerSecond: opts.tokensPerSecond ?? 20,
    defaultMaxTokens: 16,
    embeddingDim: 16,
  });
  t.after(() => upstream.close());
  const tenant = newTenant("web");
  const gw = await startGateway(
    routing({
      backends: [{ name: "up", provider: "openai", baseURL: `${upstream.url}/v1` }],
      models: [
        { name: "test-model", defaultMaxTokens: 16, routes: [{ backend: "up" }] },
        { name: "test-embedding", type: "embedding", routes: [{ backend: "up" }] },
      ],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["*"] }],
    }),
  );
  t.after(() => gw.close());

  const env = (): Record<string, string> =>
    replicaEnv([{ issuer: issuerUrl(realm), tenant: "acme", audience: AUDIENCE }], {
      INFERENCE_URL: gw.url,
      INFERENCE_API_KEY: tenant.key,
      CHAT_REPLY_LEASE_MS: String(opts.replyLeaseMs ?? 3_000),
      CHAT_WEB_DIR: WEB_DIR,
      CHAT_WEB_OIDC_CLIENT_ID: "chat-web",
      CHAT_WEB_ENDPOINTS: urls.join(","),
      CHAT_WEB_MODELS: "test-model",
      ...(opts.heartbeatMs === undefined ? {} : { CHAT_HEARTBEAT_MS: String(opts.heartbeatMs) }),
    });
  const replicas: ChildReplica[] = [];
  for (let i = 0; i < 2; i++) replicas.push(await startChild(env(), `web-${i}`, ports[i]));
  t.after(async () => {
    for (const r of replicas) await r.kill("SIGTERM");
  });
  const browser = await launchChromium();
  t.after(() => browser.close());
  return {
    realm,
    users,
    replicas,
    urls,
    upstream,
    browser,
    restart: async (i) => {
      replicas[i] = await startChild(env(), `web-${i}`, ports[i]);
    },
  };
}

/**
 * A signed-in page on `url` in a browser context not yet signed in to the realm: the page's silent
 * attempt (prompt=none) comes back with login_required, which must show the Sign in button and no
 * error; then the button and Keycloak's real login form.
 */
export async function signIn(
  ctx: BrowserContext,
  url: string,
  user: { name: string; password: string },
): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(url);
  const button = page.getByRole("button", { name: "Sign in" });
  await button.waitFor({ timeout: 30_000 });
  assert.equal(await page.getByRole("alert").count(), 0, "a signed-out browser is not an error");
  await button.click();
  await page.locator("#username").fill(user.name);
  await page.locator("#password").fill(user.password);
  await page.locator("#kc-login").click();
  await page.waitForURL((u) => u.origin === new URL(url).origin && !u.search.includes("code="), {
    timeout: 30_000,
  });
  await waitOnline(page);
  return page;
}

export async function waitOnline(page: Page, timeout = 30_000): Promise<void> {
  await page.locator('[data-testid="link-status"][data-state="online"]').waitFor({ timeout });
}

/** Types a message and sends it with Enter (the keyboard path). */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByLabel("Message", { exact: true });
  await box.fill(text);
  await box.press("Enter");
}

/** The last assistant message once it has finished streaming (complete or incomplete). */
export async function lastReplyDone(page: Page, timeout = 30_000): Promise<string> {
  const last = page.locator('[data-testid="message-assistant"]').last();
  await last
    .and(page.locator('[data-status="complete"], [data-status="incomplete"]'))
    .waitFor({ timeout });
  return (await last.locator('[data-testid="message-body"]').innerText()).trim();
}

/**
 * The `n`-th (0-based) assistant message once it has finished streaming: after a send, the last
 * one may still be the previous reply for a moment, so later replies are waited for by position.
 */
export async function replyDone(page: Page, n: number, timeout = 30_000): Promise<string> {
  const reply = page.locator('[data-testid="message-assistant"]').nth(n);
  await reply
    .and(page.locator('[data-status="complete"], [data-status="incomplete"]'))
    .waitFor({ timeout });
  return (await reply.locator('[data-testid="message-body"]').innerText()).trim();
}

/** Writes `<SHOTS>/<name>.png` (the README shows the committed ones). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** The texts of the visible messages of one role, in order. */
export async function bodies(page: Page, role: "user" | "assistant"): Promise<string[]> {
  return (
    await page
      .locator(`[data-testid="message-${role}"] [data-testid="message-body"]`)
      .allInnerTexts()
  ).map((x) => x.trim());
}
