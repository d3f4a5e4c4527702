// Table test of the engine Service builder: port per engine, selector equal to the Deployment's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { model, vllm } from "../fixtures.test-helpers.ts";
import { desiredDeployment } from "./deployment.ts";
import { desiredService } from "./service.ts";

const cases = [
  { name: "vllm on its default port", m: vllm(), port: 8000 },
  {
    name: "ollama on a custom port",
    m: model({ provider: "ollama", engine: { image: "ollama/ollama", port: 11434 } }),
    port: 11434,
  },
];
for (const c of cases) {
  test(`Service: ${c.name}`, () => {
    const s = desiredService(c.m);
    assert.equal(s.kind, "Service");
    assert.equal(s.spec?.type, "ClusterIP");
    assert.deepEqual(s.spec?.ports, [
      { name: "http", port: c.port, targetPort: "http", protocol: "TCP" },
    ]);
    assert.deepEqual(
      s.spec?.selector,
      desiredDeployment(c.m, c.m.spec.engine!).spec?.selector.matchLabels,
    );
    assert.equal(s.metadata?.ownerReferences?.[0]?.uid, "uid-1");
  });
}
