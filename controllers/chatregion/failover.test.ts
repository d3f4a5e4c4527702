// Table tests of failover within residency: priority then weight, never across data regions
// unless allowed, and the regions table each region publishes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chatRegion } from "./fixtures.test-helpers.ts";
import { chooseFailover, regionsTable, webBase, webEndpoints } from "./failover.ts";
import type { PeerView } from "./failover.ts";
import type { ChatRegion } from "../../crds/chatregion/v1alpha1/index.ts";

function peers(...list: [ChatRegion, boolean][]): Map<string, PeerView> {
  return new Map(
    list.map(([r, healthy]) => [
      r.metadata.name ?? "",
      { region: r, healthy, endpoint: `wss://${r.metadata.name ?? ""}` },
    ]),
  );
}

const fo = (priority: number, weight: number) => ({
  priority,
  weight,
  unhealthyAfterSeconds: 10,
  healthyAfterSeconds: 30,
});
const euB = chatRegion("eu-b", { failover: fo(20, 100) });
const euC = chatRegion("eu-c", { failover: fo(10, 100) });
const euD = chatRegion("eu-d", { failover: fo(10, 50) });
const us = chatRegion("us-a", { residency: { dataRegion: "us" }, failover: fo(0, 100) });
const self = (fallbackRegions: string[], cross = false): ChatRegion =>
  chatRegion("eu-a", {
    residency: { allowCrossRegionFailover: cross },
    failover: {
      priority: 10,
      weight: 100,
      fallbackRegions,
      unhealthyAfterSeconds: 10,
      healthyAfterSeconds: 30,
    },
  });

const cases: {
  name: string;
  self: ChatRegion;
  peers: Map<string, PeerView>;
  target?: string;
  reason?: RegExp;
  forbidden?: string[];
}[] = [
  {
    name: "lowest priority first",
    self: self(["eu-b", "eu-c"]),
    peers: peers([euB, true], [euC, true]),
    target: "eu-c",
  },
  {
    name: "then highest weight",
    self: self(["eu-d", "eu-c"]),
    peers: peers([euC, true], [euD, true]),
    target: "eu-c",
  },
  {
    name: "unhealthy fallbacks are skipped",
    self: self(["eu-b", "eu-c"]),
    peers: peers([euB, true], [euC, false]),
    target: "eu-b",
  },
  {
    name: "another dataRegion is never a target without allowCrossRegionFailover",
    self: self(["us-a", "eu-b"]),
    peers: peers([us, true], [euB, true]),
    target: "eu-b",
    forbidden: ["us-a"],
  },
  {
    name: "all EU down, US healthy, cross-region not allowed: no target, and status says why",
    self: self(["us-a", "eu-b"]),
    peers: peers([us, true], [euB, false]),
    reason:
      /no healthy fallback region in dataRegion "eu".*us-a excluded: cross-region failover is not allowed/,
    forbidden: ["us-a"],
  },
  {
    name: "cross-region allowed: US is a candidate",
    self: self(["us-a", "eu-b"], true),
    peers: peers([us, true], [euB, false]),
    target: "us-a",
  },
  {
    name: "no fallbacks configured",
    self: self([]),
    peers: peers(),
    reason: /no fallback region in dataRegion "eu"/,
  },
  {
    name: "a missing fallback is named",
    self: self(["eu-x"]),
    peers: peers(),
    reason: /eu-x not found/,
  },
];

for (const c of cases) {
  test(`chooseFailover: ${c.name}`, () => {
    const d = chooseFailover(c.self, c.peers);
    assert.equal(d.target, c.target);
    if (c.reason !== undefined) assert.match(d.reason ?? "", c.reason);
    assert.deepEqual(d.forbidden, c.forbidden ?? []);
  });
}

test("regionsTable: self first, then allowed fallbacks ranked; no other dataRegion", () => {
  const t = regionsTable(
    self(["eu-b", "us-a", "eu-c"]),
    { healthy: false, endpoint: "wss://eu-a" },
    peers([euB, true], [euC, true], [us, true]),
  );
  assert.equal(t.self, "eu-a");
  assert.deepEqual(
    t.regions.map((r) => [r.name, r.priority, r.healthy]),
    [
      ["eu-a", 10, false],
      ["eu-c", 10, true],
      ["eu-b", 20, true],
    ],
  );
  assert.ok(t.regions.every((r) => r.dataRegion === "eu"));
});

const webBaseCases: { endpoint: string | undefined; want: string | undefined }[] = [
  { endpoint: "wss://chat.eu.example/v1/ws", want: "https://chat.eu.example" },
  { endpoint: "ws://10.0.0.7:8090/v1/ws/", want: "http://10.0.0.7:8090" },
  { endpoint: "wss://edge.example/eu/v1/ws", want: "https://edge.example/eu" },
  { endpoint: "wss://edge.example/socket", want: "https://edge.example" },
  { endpoint: "https://not-a-websocket.example", want: undefined },
  { endpoint: "wss://", want: undefined },
  { endpoint: undefined, want: undefined },
];
for (const c of webBaseCases) {
  test(`webBase: ${String(c.endpoint)} → ${String(c.want)}`, () => {
    assert.equal(webBase(c.endpoint), c.want);
  });
}

const withEndpoint = (r: ChatRegion, endpoint?: string): ChatRegion => {
  const out = structuredClone(r);
  if (endpoint !== undefined) out.spec.endpoint = endpoint;
  return out;
};
const webCases: { name: string; self: ChatRegion; peers: Map<string, PeerView>; want: string[] }[] =
  [
    {
      name: "own endpoint, then fallbacks ranked; another dataRegion and endpoint-less peers left out",
      self: withEndpoint(self(["eu-b", "us-a", "eu-c", "eu-d"]), "wss://a.example/v1/ws"),
      peers: peers(
        [withEndpoint(euB, "wss://b.example/v1/ws"), false],
        [withEndpoint(euC, "wss://c.example/v1/ws"), true],
        [euD, true],
        [withEndpoint(us, "wss://us.example/v1/ws"), true],
      ),
      want: ["https://a.example", "https://c.example", "https://b.example"],
    },
    {
      name: "health does not reorder (the list is pod env: a flip must not roll the fleet)",
      self: withEndpoint(self(["eu-b", "eu-c"]), "wss://a.example/v1/ws"),
      peers: peers(
        [withEndpoint(euB, "wss://b.example/v1/ws"), true],
        [withEndpoint(euC, "wss://c.example/v1/ws"), false],
      ),
      want: ["https://a.example", "https://c.example", "https://b.example"],
    },
    {
      name: "no own endpoint: none (the page uses its own origin)",
      self: self(["eu-c"]),
      peers: peers([withEndpoint(euC, "wss://c.example/v1/ws"), true]),
      want: [],
    },
    {
      name: "a fallback sharing the origin is listed once",
      self: withEndpoint(self(["eu-c"]), "wss://chat.example/v1/ws"),
      peers: peers([withEndpoint(euC, "wss://chat.example/v1/ws"), true]),
      want: ["https://chat.example"],
    },
  ];
for (const c of webCases) {
  test(`webEndpoints: ${c.name}`, () => {
    assert.deepEqual(webEndpoints(c.self, c.peers), c.want);
  });
}
