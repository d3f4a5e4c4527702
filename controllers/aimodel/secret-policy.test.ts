// Table tests of the AIModel Secret-reference policy as the reconciler reads it from the cache:
// which engine env Secrets are held against a model, the credentials state of external models, and
// which models a Secret event re-queues.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Secret } from "@kubernetes/client-node";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import type { Informer } from "../../operators/runtime/index.ts";
import { modelsUsingSecret } from "./controller.ts";
import { openai, vllm } from "./fixtures.test-helpers.ts";
import { credentialsState, disallowedEngineSecrets } from "./reconcile.ts";

const secret = (name: string, labelled: boolean, keys: string[] = ["apiKey"]): V1Secret => ({
  metadata: {
    name,
    namespace: "team-a",
    ...(labelled ? { labels: { "librechat.io/model-secret": "true" } } : {}),
  },
  data: Object.fromEntries(keys.map((k) => [k, ""])),
});

function cache<T>(objs: T[], key: (o: T) => string): Informer<T> {
  const m = new Map(objs.map((o) => [key(o), o]));
  return {
    get: (k: string) => m.get(k),
    list: (ns?: string) => objs.filter((o) => ns === undefined || key(o).startsWith(`${ns}/`)),
  } as unknown as Informer<T>;
}
const secrets = (...s: V1Secret[]): Informer<V1Secret> =>
  cache(s, (x) => `${x.metadata?.namespace ?? ""}/${x.metadata?.name ?? ""}`);

const withEnvSecrets = (...names: string[]): AIModel =>
  vllm({
    engine: {
      image: "vllm/vllm-openai:v0.10.1",
      port: 8000,
      env: names.map((n) => ({
        name: `E_${n.toUpperCase().replace(/-/g, "_")}`,
        valueFrom: { secretKeyRef: { name: n, key: "k" } },
      })),
    },
  });

const engineCases = [
  { name: "labelled Secret", model: withEnvSecrets("hf"), secrets: [secret("hf", true)], want: [] },
  {
    name: "unlabelled Secret held against the model",
    model: withEnvSecrets("db-admin"),
    secrets: [secret("db-admin", false)],
    want: ["db-admin"],
  },
  {
    name: "a Secret that does not exist yet is not held against it (GitOps order)",
    model: withEnvSecrets("later"),
    secrets: [],
    want: [],
  },
  {
    name: "several, sorted and unique",
    model: withEnvSecrets("z", "a", "z", "ok"),
    secrets: [secret("z", false), secret("a", false), secret("ok", true)],
    want: ["a", "z"],
  },
];
for (const c of engineCases) {
  test(`disallowedEngineSecrets: ${c.name}`, () => {
    assert.deepEqual(disallowedEngineSecrets(secrets(...c.secrets), c.model), c.want);
  });
}

const credentialCases = [
  { name: "labelled with the key", s: [secret("openai", true)], want: "present" },
  { name: "labelled without the key", s: [secret("openai", true, ["x"])], want: "key-missing" },
  { name: "unlabelled", s: [secret("openai", false)], want: "not-allowed" },
  { name: "missing", s: [], want: "secret-missing" },
] as const;
for (const c of credentialCases) {
  test(`credentialsState: ${c.name}`, () => {
    assert.equal(credentialsState(secrets(...c.s), openai()), c.want);
  });
}

test("a Secret event re-queues the models that reference it in credentials or engine env", () => {
  const a = { ...withEnvSecrets("hf"), metadata: { name: "a", namespace: "team-a" } };
  const b = { ...openai(), metadata: { name: "b", namespace: "team-a" } };
  const c = { ...withEnvSecrets("other"), metadata: { name: "c", namespace: "team-a" } };
  const models = cache([a, b, c], (m) => `${m.metadata.namespace ?? ""}/${m.metadata.name ?? ""}`);
  assert.deepEqual(modelsUsingSecret(models, secret("hf", false)), ["team-a/a"]);
  const credName = b.spec.external?.credentialsSecretRef.name ?? "";
  assert.deepEqual(modelsUsingSecret(models, secret(credName, false)), ["team-a/b"]);
});
