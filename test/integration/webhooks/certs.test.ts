// Serving certificate lifecycle against the real API server: the Secret is shared by replicas, the
// serving certificate rotates on its own (short lifetime here) and a CA rotation updates caBundle;
// in every case the API server keeps calling the webhook, which was never restarted.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { pino } from "pino";
import { CertRotator } from "../../../webhooks/cert-rotator.ts";
import { splitPem } from "../../../webhooks/certs.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";
import { aimodel } from "./fixtures.ts";

let h: Harness;
let ns: string;

/** The webhook is reachable through the API server: an engine image outside the allowlist is denied by it. */
async function webhookAnswers(): Promise<void> {
  const res = await h.create(
    aimodel(`probe-${Date.now()}`, ns, { engine: { image: "probe.invalid/engine:1" } }),
    { dryRun: true },
  );
  assert.ok(!res.ok);
  assert.match(
    res.message,
    /admission webhook "validate-aimodel.librechat.io" denied the request: spec.engine.image/,
  );
}

async function configBundles(): Promise<string[]> {
  const out: string[] = [];
  for (const [kind, name] of [
    ["validatingwebhookconfigurations", h.configNames.validating],
    ["mutatingwebhookconfigurations", h.configNames.mutating],
  ] as const) {
    const cfg = await h.http.request<{ webhooks: { clientConfig: { caBundle?: string } }[] }>({
      method: "GET",
      path: `/apis/admissionregistration.k8s.io/v1/${kind}/${name}`,
    });
    for (const wh of cfg.body.webhooks)
      out.push(Buffer.from(wh.clientConfig.caBundle ?? "", "base64").toString());
  }
  return out;
}

function serial(pem: string | undefined): string {
  return new X509Certificate(pem ?? "").serialNumber;
}

describe("webhook serving certificate", () => {
  before(async () => {
    // Serving certificates live 9 s (renewed after 6 s); the CA lives a day.
    h = await startHarness({ lifetimes: { caMs: 86_400_000, servingMs: 9000 } });
    ns = await h.namespace("certs");
  });
  after(() => h.close());

  it("patches caBundle into every webhook of both configurations", async () => {
    const bundle = h.webhooks.certs.current?.caBundle;
    assert.ok(bundle !== undefined);
    for (const b of await configBundles()) assert.equal(b, bundle);
    await webhookAnswers();
  });

  it("lets a second replica adopt the stored bundle instead of issuing its own", async () => {
    const served: string[] = [];
    const replica = new CertRotator({
      kube: h.http,
      namespace: h.systemNamespace,
      secretName: "librechat-operators-webhook-tls",
      spec: {
        dnsNames: ["librechat-operators-webhook." + h.systemNamespace + ".svc"],
        ipAddresses: ["127.0.0.1"],
      },
      configNames: h.configNames,
      mode: "self",
      lifetimes: { caMs: 86_400_000, servingMs: 9000 },
      onCertificate: (b) => served.push(b.tlsCert),
      log: pino({ level: "silent" }),
    });
    const res = await replica.reconcileOnce();
    // Same CA as the running server (a serving renewal may legitimately happen in between, but a
    // second replica never starts its own CA), and it serves exactly what the Secret holds.
    assert.equal(res.bundle.caBundle, h.webhooks.certs.current?.caBundle);
    const secret = await h.http.request<{ data: Record<string, string> }>({
      method: "GET",
      path: `/api/v1/namespaces/${h.systemNamespace}/secrets/librechat-operators-webhook-tls`,
    });
    assert.equal(served[0], Buffer.from(secret.body.data["tls.crt"] ?? "", "base64").toString());
  });

  it("rotates the serving certificate before expiry and keeps serving without restart", async () => {
    const before = serial(h.webhooks.certs.current?.tlsCert);
    const deadline = Date.now() + 20_000;
    while (serial(h.webhooks.certs.current?.tlsCert) === before) {
      assert.ok(Date.now() < deadline, "serving certificate was not rotated within 20 s");
      await new Promise((r) => setTimeout(r, 250));
    }
    await webhookAnswers();
  });

  it("rotates the CA (Secret lost), re-syncs caBundle and keeps the old CA trusted", async () => {
    const oldCA = splitPem(h.webhooks.certs.current?.caBundle ?? "")[0];
    // Simulate a broken CA key: the next pass must issue a new CA.
    const path = `/api/v1/namespaces/${h.systemNamespace}/secrets/librechat-operators-webhook-tls`;
    const secret = await h.http.request<{ data: Record<string, string> }>({ method: "GET", path });
    secret.body.data["ca.key"] = Buffer.from("broken").toString("base64");
    await h.http.request({ method: "PUT", path, body: secret.body });
    // This pass (or a concurrent background pass) replaces the CA; either way the result is shared.
    const res = await h.webhooks.certs.reconcileOnce();
    const cas = splitPem(res.bundle.caBundle);
    assert.notEqual(cas[0], oldCA);
    assert.equal(cas[1], oldCA);
    for (const b of await configBundles()) assert.equal(b, res.bundle.caBundle);
    await webhookAnswers();
  });
});
