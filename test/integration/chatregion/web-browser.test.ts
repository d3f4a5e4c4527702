// The web client as an operator-managed ChatRegion serves it, driven in Debian's Chromium: the
// admin declares the public `chat-web` client with the region endpoint's origin in the Tenant, the
// Tenant controller creates the realm and the client, the ChatRegion controller renders CHAT_WEB_*
// and INFERENCE_* into the fleet's pod template, and the pod bridge runs that pod. A user opens the
// region's endpoint (its load balancer stands in for the Service), signs in on the realm's real
// Keycloak login page, sends a message and sees the reply stream to completion, the reply coming
// from the deterministic test upstream through the inference gateway; Sign out ends the realm
// session and comes back to the page. About 20 s.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { adminFetch, createUser } from "../../helpers/keycloak.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { expectedReply } from "../chat-gateway/helpers/upstream.ts";
import { launchChromium, lastReplyDone, sendMessage, signIn } from "../chat-web/harness.ts";
import { newTenant, routing, startGateway } from "../inference-gateway/helpers.ts";
import type { TestGateway } from "../inference-gateway/helpers.ts";
import {
  applyRegion,
  applyTenant,
  condition,
  perFile,
  region,
  startLoadBalancer,
  waitRegion,
} from "./harness.ts";

const MODEL = "test-model";
const inf: {
  key: string;
  gw?: TestGateway;
  upstream?: Awaited<ReturnType<typeof startTestUpstream>>;
} = { key: "" };

// Before the harness' hooks: the operator is started with the inference gateway's URL, as
// --chatregion-inference-url names the gateway's Service in a cluster.
before(async () => {
  // Slow enough (16 tokens at 8/s) to see the reply streaming before it completes.
  inf.upstream = await startTestUpstream({ tokensPerSecond: 8, defaultMaxTokens: 16 });
  const tenant = newTenant("web");
  inf.key = tenant.key;
  inf.gw = await startGateway(
    routing({
      backends: [{ name: "up", provider: "openai", baseURL: `${inf.upstream.url}/v1` }],
      models: [{ name: MODEL, defaultMaxTokens: 16, routes: [{ backend: "up" }] }],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["*"] }],
    }),
  );
});

// Only the two controllers in play: gateway-config would otherwise generate the Tenant's inference
// key Secret, which this file writes itself for its stand-alone inference gateway.
const h = perFile("web", {
  controllers: "chatregion,tenant",
  managedRealm: true,
  operatorEnv: () => ({ CHATREGION_INFERENCE_URL: inf.gw?.url ?? "" }),
});

after(async () => {
  await inf.gw?.close();
  await inf.upstream?.close();
});

test("a user signs in to the page an operator-rendered ChatRegion pod serves and sees a streamed reply complete", async (t) => {
  const endpoint = await startLoadBalancer(h, "web");
  const origin = new URL(endpoint.replace(/^ws/, "http")).origin;
  // What an admin declares: the web client of the realm, allowed back to the region's origin.
  await applyTenant(h, [
    {
      clientId: "chat-web",
      type: "public",
      redirectUris: [`${origin}/*`],
      webOrigins: [origin],
    },
  ]);
  await waitFor("the Tenant controller made the chat-web client", 60_000, async () => {
    const res = await adminFetch(
      "GET",
      `/${encodeURIComponent(h.realm.realm)}/clients?clientId=chat-web`,
    ).catch(() => undefined);
    const found = (await res?.json()) as { redirectUris?: string[] }[] | undefined;
    return found?.[0]?.redirectUris?.includes(`${origin}/*`) === true;
  });
  const user = { name: `web-${h.tenant}`, password: `pw-web-${h.tenant}` };
  await createUser(h.realm.realm, { username: user.name, password: user.password });
  // The Tenant's inference gateway key, as gateway-config leaves it in the Tenant's namespace.
  await h.client.apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "inference-gateway-api-key", namespace: h.ns },
      stringData: { "api-key": inf.key },
    },
    { fieldManager: "integration-test", force: true },
  );

  await applyRegion(h, region(h, "web", { endpoint, models: [MODEL] }));
  await waitRegion(
    h,
    "web",
    "Ready with 1 ready pod",
    (x) => condition(x, "Ready")?.status === "True" && x.status?.readyReplicas === 1,
  );
  // The page's sign-in settings are the rendered ones, not the test's.
  const web = (await (await fetch(`${origin}/web-config.json`)).json()) as Record<string, unknown>;
  assert.equal(web["issuer"], h.realm.issuer.replace(/\/$/, ""));
  assert.equal(web["clientId"], "chat-web");
  assert.deepEqual(web["endpoints"], [origin]);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const ctx = await browser.newContext();
  const failed: string[] = [];
  ctx.on("requestfailed", (r) =>
    failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText ?? ""}`),
  );
  const page = await signIn(ctx, `${origin}/`, user);
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const text = "hello from the region's page";
  await sendMessage(page, text);
  const reply = page.locator('[data-testid="message-assistant"]').last();
  await reply.and(page.locator('[data-status="streaming"]')).waitFor({ timeout: 20_000 });
  assert.equal(await lastReplyDone(page), expectedReply(text));
  assert.equal(await reply.getAttribute("data-status"), "complete");
  assert.deepEqual(violations, []);
  assert.equal(await page.getByRole("alert").count(), 0, `failed requests: ${failed.join("; ")}`);

  // Sign out goes through the realm (RP-initiated logout) and back to the region's page, which
  // Keycloak allows only for post-logout redirect URIs the Tenant-made client has.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor({ timeout: 30_000 });
  assert.equal(new URL(page.url()).origin, origin);
});
