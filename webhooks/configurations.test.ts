// Tests of webhook configurations, generated manifests and the webhook environment schema.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildWebhookConfigurations, localWebhookConfigurations } from "./configurations.ts";
import { renderManifests } from "./generate-manifests.ts";
import { HANDLERS, handlerPath } from "./handlers.ts";
import { WebhookConfigError, webhookOptionsFromEnv } from "./index.ts";

type Hook = {
  name: string;
  clientConfig: { url?: string; caBundle?: string; service?: { path: string } };
  failurePolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  rules: { resources: string[]; scope: string }[];
};

describe("webhook configurations", () => {
  it("local configurations call https://127.0.0.1:<port>/<path> with the caBundle", () => {
    const { validating, mutating } = localWebhookConfigurations(9443, "PEM");
    const hooks = [...(validating["webhooks"] as Hook[]), ...(mutating["webhooks"] as Hook[])];
    assert.equal(hooks.length, HANDLERS.length);
    for (const h of hooks) {
      assert.match(
        h.clientConfig.url ?? "",
        /^https:\/\/127\.0\.0\.1:9443\/(validate|mutate)\/[a-z]+$/,
      );
      assert.equal(h.clientConfig.caBundle, Buffer.from("PEM").toString("base64"));
      assert.equal(h.sideEffects, "None");
      assert.deepEqual(h.admissionReviewVersions, ["v1"]);
      assert.ok(h.timeoutSeconds <= 10);
    }
  });

  it("in-cluster configurations use the Service and one entry per handler with its failurePolicy", () => {
    const { validating, mutating } = buildWebhookConfigurations(
      { service: { namespace: "ns", name: "svc", port: 443 } },
      { certManagerCertificate: "ns/cert" },
    );
    assert.deepEqual((validating["metadata"] as { annotations: unknown }).annotations, {
      "cert-manager.io/inject-ca-from": "ns/cert",
    });
    const hooks = [...(validating["webhooks"] as Hook[]), ...(mutating["webhooks"] as Hook[])];
    for (const handler of HANDLERS) {
      const hook = hooks.find((x) => x.clientConfig.service?.path === handlerPath(handler));
      assert.ok(hook !== undefined, handlerPath(handler));
      assert.equal(hook.failurePolicy, handler.failurePolicy);
      const rule = hook.rules[0];
      assert.ok(rule !== undefined);
      assert.deepEqual(rule.resources, [handler.kind.plural]);
      assert.equal(rule.scope, handler.kind.namespaced ? "Namespaced" : "Cluster");
    }
  });

  it("manifests/webhook is up to date (node webhooks/generate-manifests.ts)", async () => {
    for (const [file, content] of Object.entries(renderManifests())) {
      assert.equal(
        await readFile(join(import.meta.dirname, "../manifests/webhook", file), "utf8"),
        content,
        file,
      );
    }
  });

  it("reads settings from the environment", () => {
    const o = webhookOptionsFromEnv({
      POD_NAMESPACE: "sys",
      WEBHOOK_PORT: "8443",
      WEBHOOK_CERT_MODE: "cert-manager",
      CHAOS_MAX_DURATION: "15m",
      CHAOS_MAX_AFFECTED_PERCENT: "20",
      WEBHOOK_BIND_ADDRESS: "0.0.0.0",
      AIMODEL_IMAGE_PREFIXES: "ghcr.io/acme/, vllm/vllm-openai",
      WEBHOOK_MAX_CONNECTIONS: "64",
      WEBHOOK_HANDSHAKE_TIMEOUT_MS: "2000",
    });
    assert.deepEqual(o, {
      namespace: "sys",
      host: "0.0.0.0",
      port: 8443,
      certMode: "cert-manager",
      limits: { maxConnections: 64, handshakeTimeoutMs: 2000 },
      policy: {
        aimodel: { imagePrefixes: ["ghcr.io/acme/", "vllm/vllm-openai"] },
        chaos: { maxDurationSeconds: 900, maxAffectedPercent: 20 },
      },
    });
    assert.deepEqual(webhookOptionsFromEnv({}), {
      policy: {
        aimodel: { imagePrefixes: ["docker.io/vllm/vllm-openai", "docker.io/ollama/ollama"] },
        chaos: { maxDurationSeconds: 3600, maxAffectedPercent: 50 },
      },
    });
  });

  it("rejects invalid settings naming the variable", () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ WEBHOOK_PORT: "x" }, /WEBHOOK_PORT: Expected integer \(got "x"\)/],
      [
        { WEBHOOK_MAX_CONNECTIONS: "0" },
        /WEBHOOK_MAX_CONNECTIONS: Expected integer to be greater or equal to 1 \(got "0"\)/,
      ],
      [
        { WEBHOOK_PORT: "70000" },
        /WEBHOOK_PORT: Expected integer to be less or equal to 65535 \(got "70000"\)/,
      ],
      [{ WEBHOOK_CERT_MODE: "bogus" }, /WEBHOOK_CERT_MODE: Expected union value \(got "bogus"\)/],
      [
        { CHAOS_MAX_AFFECTED_PERCENT: "300" },
        /CHAOS_MAX_AFFECTED_PERCENT: Expected number to be less or equal to 100/,
      ],
      [{ CHAOS_MAX_DURATION: "soon" }, /CHAOS_MAX_DURATION: Expected string to match/],
      [{ CHAOS_MAX_DURATION: "0s" }, /CHAOS_MAX_DURATION: must be a positive duration/],
      [{ AIMODEL_IMAGE_PREFIXES: " , " }, /AIMODEL_IMAGE_PREFIXES: must name at least one/],
    ];
    for (const [env, msg] of bad) {
      assert.throws(
        () => webhookOptionsFromEnv(env),
        (e: unknown) => e instanceof WebhookConfigError && msg.test(e.message),
        String(msg),
      );
    }
  });
});
