// Tests of the Service builder (selects exactly the Deployment's pods) and the region endpoint.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chatRegion } from "../fixtures.test-helpers.ts";
import { desiredService, regionEndpoint } from "./service.ts";
import { desiredDeployment } from "./deployment.ts";
import { DEFAULT_CONFIG } from "./meta.ts";

test("Service selects exactly the Deployment's pods on the gateway port, owned by the region", () => {
  const r = chatRegion("eu-west");
  const s = desiredService(r);
  const d = desiredDeployment({ region: r, replicas: 2, issuers: [], config: DEFAULT_CONFIG });
  assert.deepEqual(s.spec?.selector, d.spec?.selector.matchLabels);
  assert.deepEqual(s.spec?.ports, [
    { name: "http", port: 8090, targetPort: "http", protocol: "TCP" },
  ]);
  assert.equal(s.metadata?.ownerReferences?.[0]?.uid, "uid-eu-west");
  assert.equal(s.metadata?.labels?.["app.kubernetes.io/component"], "chat-gateway");
});

const endpointCases = [
  {
    name: "spec endpoint wins",
    region: chatRegion("eu-west", { endpoint: "wss://eu.chat.example/v1/ws" }),
    want: "wss://eu.chat.example/v1/ws",
  },
  {
    name: "in-cluster Service URL otherwise",
    region: chatRegion("eu-west"),
    want: "ws://eu-west.acme-chat.svc.cluster.local:8090/v1/ws",
  },
];
for (const c of endpointCases) {
  test(`regionEndpoint: ${c.name}`, () => {
    assert.equal(regionEndpoint(c.region, DEFAULT_CONFIG), c.want);
  });
}
