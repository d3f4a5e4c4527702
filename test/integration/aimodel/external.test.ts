// An external-provider AIModel has no pods; it is Ready exactly when its credentials Secret and
// key exist and the Secret is labelled for model use (librechat.io/model-secret=true), and
// otherwise says which Secret is missing or not allowed. A self-hosted model whose engine env names
// an unlabelled Secret gets no Deployment until the Secret is labelled.
import { test } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "../../helpers/testenv.ts";
import { DEPLOYMENT, apply, external, getModel, perFile, readyOf, selfHosted } from "./fixtures.ts";

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

const MODEL_SECRET = { "librechat.io/model-secret": "true" };

test("an unlabelled Secret gives SecretNotAllowed; labelled without the key, CredentialsKeyMissing; with the key, Ready", async () => {
  await apply(client, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "openai-creds", namespace: ctx.ns },
    stringData: { other: "x" },
  });
  await waitFor(
    "SecretNotAllowed",
    60_000,
    async () => readyOf(await getModel(client, ctx.ns, "gpt"))?.reason === "SecretNotAllowed",
  );
  assert.match(
    readyOf(await getModel(client, ctx.ns, "gpt"))?.message ?? "",
    /Secret "openai-creds" .* is not labelled librechat.io\/model-secret=true/,
  );
  await apply(client, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "openai-creds", namespace: ctx.ns, labels: MODEL_SECRET },
    stringData: { other: "x" },
  });
  await waitFor(
    "CredentialsKeyMissing",
    60_000,
    async () => readyOf(await getModel(client, ctx.ns, "gpt"))?.reason === "CredentialsKeyMissing",
  );
  await apply(client, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "openai-creds", namespace: ctx.ns, labels: MODEL_SECRET },
    stringData: { other: "x", apiKey: "sk-test" },
  });
  let m: Awaited<ReturnType<typeof getModel>>;
  await waitFor("Ready=True", 60_000, async () => {
    m = await getModel(client, ctx.ns, "gpt");
    return readyOf(m)?.status === "True";
  });
  assert.equal(m?.status?.phase, "Active");
  assert.equal(m?.status?.endpoint, "https://api.openai.com/v1");
  assert.equal(
    await client.get(DEPLOYMENT, ctx.ns, "gpt"),
    undefined,
    "external providers get no Deployment",
  );
});

test("a self-hosted model with an unlabelled engine env Secret gets no Deployment until the Secret is labelled", async () => {
  await apply(client, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db-admin", namespace: ctx.ns },
    stringData: { password: "not-for-models" },
  });
  const m = selfHosted(ctx.ns, "engine-env", 1);
  const spec = m["spec"] as { engine: Record<string, unknown> };
  spec.engine["env"] = [
    { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db-admin", key: "password" } } },
  ];
  await apply(client, m);
  await waitFor(
    "SecretNotAllowed",
    60_000,
    async () =>
      readyOf(await getModel(client, ctx.ns, "engine-env"))?.reason === "SecretNotAllowed",
  );
  assert.equal(
    await client.get(DEPLOYMENT, ctx.ns, "engine-env"),
    undefined,
    "no pod may start with the Secret in it",
  );
  // Labelling the Secret (a Secret event) re-queues the model: the Deployment follows.
  await apply(client, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db-admin", namespace: ctx.ns, labels: MODEL_SECRET },
    stringData: { password: "not-for-models" },
  });
  await waitFor(
    "engine Deployment created",
    60_000,
    async () => (await client.get(DEPLOYMENT, ctx.ns, "engine-env")) !== undefined,
  );
  const status = JSON.stringify((await getModel(client, ctx.ns, "engine-env"))?.status ?? {});
  assert.ok(!status.includes("not-for-models"), "no Secret value in status");
});
