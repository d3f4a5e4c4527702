// Table tests of the regions-table ConfigMap builder: name, owner, key and byte-stable JSON.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chatRegion } from "../fixtures.test-helpers.ts";
import { desiredRegionsConfigMap } from "./configmap.ts";
import type { RegionsTable } from "./configmap.ts";

const table: RegionsTable = {
  self: "eu-west",
  regions: [
    {
      name: "eu-west",
      dataRegion: "eu",
      endpoint: "wss://w",
      priority: 10,
      weight: 100,
      healthy: false,
    },
    {
      name: "eu-central",
      dataRegion: "eu",
      endpoint: "wss://c",
      priority: 20,
      weight: 50,
      healthy: true,
    },
  ],
};

const cases: { name: string; check: () => void }[] = [
  {
    name: "named <region>-regions, owned by the region, key regions.json",
    check: () => {
      const cm = desiredRegionsConfigMap(chatRegion("eu-west"), table);
      assert.equal(cm.metadata?.name, "eu-west-regions");
      assert.equal(cm.metadata?.ownerReferences?.[0]?.name, "eu-west");
      assert.deepEqual(Object.keys(cm.data ?? {}), ["regions.json"]);
    },
  },
  {
    name: "the file is the table as JSON (the gateway's contract)",
    check: () => {
      const cm = desiredRegionsConfigMap(chatRegion("eu-west"), table);
      assert.deepEqual(JSON.parse(cm.data?.["regions.json"] ?? ""), table);
    },
  },
  {
    name: "equal tables give equal bytes whatever the key order",
    check: () => {
      const shuffled = {
        regions: table.regions.map((r) => ({
          healthy: r.healthy,
          weight: r.weight,
          name: r.name,
          priority: r.priority,
          endpoint: r.endpoint,
          dataRegion: r.dataRegion,
        })),
        self: "eu-west",
      };
      assert.equal(
        desiredRegionsConfigMap(chatRegion("eu-west"), shuffled).data?.["regions.json"],
        desiredRegionsConfigMap(chatRegion("eu-west"), table).data?.["regions.json"],
      );
    },
  },
];
for (const c of cases) test(`regions ConfigMap: ${c.name}`, c.check);
