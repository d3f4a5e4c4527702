// AIModel webhooks through the real API server: label librechat.io/model-name follows
// spec.modelName (sanitized into a label value), overwriting a spoofed value; the engine image
// allowlist (TEST_POLICY: the official vLLM and Ollama images) denies any other image by name.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCase, startHarness } from "./harness.ts";
import type { Harness, RuleCase } from "./harness.ts";
import { aimodel } from "./fixtures.ts";

let h: Harness;
let ns: string;

function label(stored: Record<string, unknown>): string | undefined {
  return (stored["metadata"] as { labels?: Record<string, string> }).labels?.[
    "librechat.io/model-name"
  ];
}

describe("AIModel defaulting webhook", () => {
  before(async () => {
    h = await startHarness();
    ns = await h.namespace("models");
  });
  after(() => h.close());

  const cases = (): RuleCase[] => [
    {
      name: "label set from spec.modelName",
      object: aimodel("plain", ns),
      check: (s) => {
        assert.equal(label(s), "llama-3.1-8b");
      },
    },
    {
      name: "slashes and colons sanitized",
      object: aimodel("hf", ns, { modelName: "meta-llama/Llama-3.1-8B:q4" }),
      check: (s) => {
        assert.equal(label(s), "meta-llama-Llama-3.1-8B-q4");
      },
    },
    {
      name: "spoofed label overwritten",
      object: {
        ...aimodel("spoof", ns),
        metadata: { name: "spoof", namespace: ns, labels: { "librechat.io/model-name": "gpt-4o" } },
      },
      check: (s) => {
        assert.equal(label(s), "llama-3.1-8b");
      },
    },
  ];

  it("defaults every case as documented", async (t) => {
    for (const c of cases()) await t.test(c.name, () => runCase(h, c));
  });

  it("a label-only update cannot spoof the model-name label (defaulting runs on every UPDATE)", async () => {
    const created = await h.create(aimodel("relabel", ns));
    assert.ok(created.ok, created.ok ? "" : created.message);
    const res = await h.http.request<Record<string, unknown>>({
      method: "PATCH",
      path: `/apis/librechat.io/v1alpha1/namespaces/${ns}/aimodels/relabel`,
      contentType: "application/merge-patch+json",
      body: { metadata: { labels: { "librechat.io/model-name": "gpt-4o", team: "x" } } },
    });
    assert.equal(label(res.body), "llama-3.1-8b", "spoofed value replaced by the derived one");
    const labels = (res.body["metadata"] as { labels: Record<string, string> }).labels;
    assert.equal(labels["team"], "x", "the rest of the label change is kept");
  });
});

describe("AIModel engine image policy webhook", () => {
  before(async () => {
    h = await startHarness();
    ns = await h.namespace("images");
  });
  after(() => h.close());

  const withImage = (name: string, image: string): Record<string, unknown> => {
    const m = aimodel(name, ns);
    const spec = m["spec"] as Record<string, unknown>;
    return { ...m, spec: { ...spec, engine: { ...(spec["engine"] as object), image } } };
  };
  const cases = (): RuleCase[] => [
    {
      name: "the official vLLM image is admitted",
      object: withImage("ok", "vllm/vllm-openai:v0.10.1"),
    },
    {
      name: "an image outside the allowlist is denied, naming the allowed prefixes",
      object: withImage("miner", "evil.example.com/miner:1"),
      deny: {
        field: "spec.engine.image",
        message:
          'image "evil.example.com/miner:1" is not allowed by the cluster\'s engine image policy',
      },
    },
    {
      name: "a look-alike repository is denied (prefixes match at path boundaries)",
      object: withImage("lookalike", "vllm/vllm-openai-evil:1"),
      deny: { field: "spec.engine.image", message: "allowed prefixes: docker.io/vllm/vllm-openai" },
    },
  ];

  it("admits and denies every case as documented", async (t) => {
    for (const c of cases()) await t.test(c.name, () => runCase(h, c));
  });
});

describe("AIModel Secret-reference policy webhook", () => {
  before(async () => {
    h = await startHarness();
    ns = await h.namespace("secrets");
    const secret = (name: string, labels: Record<string, string>) => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: ns, labels },
      stringData: { apiKey: "sk-not-for-the-webhook" },
    });
    for (const s of [
      secret("model-creds", { "librechat.io/model-secret": "true" }),
      secret("db-admin", {}),
    ]) {
      await h.http.request({ method: "POST", path: `/api/v1/namespaces/${ns}/secrets`, body: s });
    }
  });
  after(() => h.close());

  const external = (name: string, secret: string): Record<string, unknown> => ({
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace: ns },
    spec: {
      provider: "openai",
      modelName: "gpt-4o",
      external: { credentialsSecretRef: { name: secret, key: "apiKey" } },
    },
  });
  const engineEnv = (name: string, secret: string): Record<string, unknown> => {
    const m = aimodel(name, ns);
    const spec = m["spec"] as { engine: Record<string, unknown> };
    return {
      ...m,
      spec: {
        ...spec,
        engine: {
          ...spec.engine,
          env: [{ name: "X", valueFrom: { secretKeyRef: { name: secret, key: "apiKey" } } }],
        },
      },
    };
  };
  const cases = (): RuleCase[] => [
    { name: "a labelled credentials Secret is admitted", object: external("ok", "model-creds") },
    {
      name: "a Secret that does not exist yet is admitted (GitOps order)",
      object: external("later", "applied-later"),
    },
    {
      name: "an unlabelled credentials Secret is denied",
      object: external("steal", "db-admin"),
      deny: {
        field: "spec.external.credentialsSecretRef.name",
        message: 'Secret "db-admin" is not labelled librechat.io/model-secret=true',
      },
    },
    {
      name: "an unlabelled Secret in engine env is denied",
      object: engineEnv("steal-env", "db-admin"),
      deny: {
        field: "spec.engine.env[0].valueFrom.secretKeyRef.name",
        message: "only Secrets labelled for model use may be referenced",
      },
    },
  ];

  it("admits and denies every case as documented", async (t) => {
    for (const c of cases()) await t.test(c.name, () => runCase(h, c));
  });
});
