// An external-provider AIModel has no pods; it is Ready exactly when its credentials Secret and
// key exist, and otherwise says which Secret is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "../../helpers/testenv.ts";
import { DEPLOYMENT, apply, external, getModel, perFile, readyOf } from "./fixtures.ts";

const { client, ctx } = perFile("aim-ext", ["--leader-elect=false"]);

test("missing credentials Secret gives Ready=False naming the Secret", async () => {
  await apply(client, external(ctx.ns, "gpt", "openai-creds"));
  let ready: ReturnType<typeof readyOf>;
  await waitFor("Ready=False CredentialsMissing", 60_000, async () => {
    ready = readyOf(await getModel(client, ctx.ns, "gpt"));
    return ready?.reason === "CredentialsMissing";
  });
  assert.equal(ready?.status, "False");
  assert.match(ready?.message ?? "", /Secret "openai-creds" not found/);
  assert.equal((await getModel(client, ctx.ns, "gpt"))?.status?.phase, "Error");
});

test("a Secret without the key gives CredentialsKeyMissing; adding the key makes it Ready", async () => {
  await apply(client, { apiVersion: "v1", kind: "Secret", metadata: { name: "openai-creds", namespace: ctx.ns }, stringData: { other: "x" } });
  await waitFor("CredentialsKeyMissing", 60_000, async () => readyOf(await getModel(client, ctx.ns, "gpt"))?.reason === "CredentialsKeyMissing");
  await apply(client, { apiVersion: "v1", kind: "Secret", metadata: { name: "openai-creds", namespace: ctx.ns }, stringData: { other: "x", apiKey: "sk-test" } });
  let m: Awaited<ReturnType<typeof getModel>>;
  await waitFor("Ready=True", 60_000, async () => {
    m = await getModel(client, ctx.ns, "gpt");
    return readyOf(m)?.status === "True";
  });
  assert.equal(m?.status?.phase, "Active");
  assert.equal(m?.status?.endpoint, "https://api.openai.com/v1");
  assert.equal(await client.get(DEPLOYMENT, ctx.ns, "gpt"), undefined, "external providers get no Deployment");
});
