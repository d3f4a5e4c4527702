// Local runs: startWebhooks({ registerLocalConfigurations }) registers configurations that call
// https://127.0.0.1:<port>, the API server uses them at once, and stop() removes them again.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { Registry } from "prom-client";
import { KubeHttp } from "../../../operators/clients/http.ts";
import { startWebhooks } from "../../../webhooks/index.ts";
import { installCrds } from "../../helpers/crds.ts";
import { aimodel } from "./fixtures.ts";
import { RUN_LABEL, createObject, testKubeConfig } from "./harness.ts";

const kc = testKubeConfig();
const http = new KubeHttp(kc);
const runId = randomBytes(4).toString("hex");
const ns = `wh-local-${runId}`;
const names = {
  validating: `librechat-local-${runId}-validating`,
  mutating: `librechat-local-${runId}-mutating`,
};

after(() =>
  http.request({ method: "DELETE", path: `/api/v1/namespaces/${ns}` }).catch(() => undefined),
);

describe("local webhook registration", () => {
  it("registers 127.0.0.1 configurations on start and removes them on stop", async () => {
    await installCrds(kc);
    await http.request({
      method: "POST",
      path: "/api/v1/namespaces",
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    });
    const registry = new Registry();
    const webhooks = await startWebhooks({
      kube: http,
      log: pino({ level: "silent" }),
      registry,
      namespace: ns,
      port: 0,
      configNames: names,
      certMode: "self",
      registerLocalConfigurations: { objectSelector: { matchLabels: { [RUN_LABEL]: runId } } },
    });
    let stopped = false;
    try {
      const cfg = await http.request<{ webhooks: { clientConfig: { url: string } }[] }>({
        method: "GET",
        path: `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${names.validating}`,
      });
      assert.ok(
        cfg.body.webhooks.every((w) =>
          w.clientConfig.url.startsWith(`https://127.0.0.1:${webhooks.server.port}/validate/`),
        ),
      );
      const probe = aimodel("probe", ns, { engine: { image: "probe.invalid/engine:1" } });
      (probe["metadata"] as Record<string, unknown>)["labels"] = { [RUN_LABEL]: runId };
      const deadline = Date.now() + 30_000;
      for (;;) {
        const res = await createObject(http, probe, true);
        if (
          !res.ok &&
          res.message.includes(
            'admission webhook "validate-aimodel.librechat.io" denied the request',
          )
        )
          break;
        assert.ok(Date.now() < deadline, `webhook not called: ${JSON.stringify(res)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      // The API server's call is in the manager-style registry, labelled by webhook path.
      const answered = (await registry.metrics())
        .split("\n")
        .find((l) =>
          l.startsWith(
            'controller_runtime_webhook_requests_total{webhook="/validate/aimodel",code="200"}',
          ),
        );
      assert.ok(
        answered !== undefined && Number(answered.split(" ")[1]) >= 1,
        `webhook request counted: ${answered ?? "no series"}`,
      );
      await webhooks.stop();
      stopped = true;
      const left = await http
        .request({
          method: "GET",
          path: `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${names.validating}`,
        })
        .then(
          () => true,
          () => false,
        );
      assert.equal(left, false);
    } finally {
      if (!stopped) await webhooks.stop();
    }
  });
});
