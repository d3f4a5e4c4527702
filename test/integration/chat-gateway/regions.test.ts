// The regions table (CHAT_REGIONS_FILE, contract #4) on a real replica process: it is in every
// `welcome` frame and on GET /regions, a ConfigMap-style update (kubelet's `..data` symlink swap)
// is picked up without a restart, and on drain every client gets a `reconnect` frame carrying
// the current table (then close 1012), which is what a client needs to fail over.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suffix, waitFor } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startChild, TestClient } from "./helpers/gateway.ts";

interface Table {
  self: string;
  regions: {
    name: string;
    dataRegion: string;
    endpoint: string;
    priority: number;
    weight: number;
    healthy: boolean;
  }[];
}

const table = (euHealthy: boolean): Table => ({
  self: "eu-1",
  regions: [
    {
      name: "eu-1",
      dataRegion: "eu",
      endpoint: "ws://127.0.0.1:1/v1/ws",
      priority: 0,
      weight: 100,
      healthy: euHealthy,
    },
    {
      name: "eu-2",
      dataRegion: "eu",
      endpoint: "ws://127.0.0.1:2/v1/ws",
      priority: 1,
      weight: 100,
      healthy: true,
    },
  ],
});

/** Writes the table the way kubelet updates a ConfigMap volume (new dir, `..data` swapped). */
async function kubeletWrite(dir: string, t: Table, n: number): Promise<void> {
  await mkdir(join(dir, `..${n}`));
  await writeFile(join(dir, `..${n}`, "regions.json"), JSON.stringify(t));
  await symlink(`..${n}`, join(dir, "..data_tmp"));
  await rename(join(dir, "..data_tmp"), join(dir, "..data"));
  if (n === 1) await symlink("..data/regions.json", join(dir, "regions.json"));
  else await rm(join(dir, `..${n - 1}`), { recursive: true });
}

void test("regions table in welcome, GET /regions and the drain's reconnect frame; hot reload", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "cg-regions-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await kubeletWrite(dir, table(true), 1);
  const acme = await tenantRealm(`cg-reg-${suffix()}`, `acme-${suffix()}`);
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
    CHAT_REGIONS_FILE: join(dir, "regions.json"),
  });
  const gw = await startChild(env, "regions-a");
  t.after(() => gw.kill("SIGKILL"));
  const token = await acme.token();

  assert.deepEqual(await (await fetch(`${gw.url}/regions`)).json(), table(true));
  const c1 = new TestClient(gw.wsUrl, token);
  t.after(() => c1.close());
  await c1.opened;
  const w1 = await c1.waitFor((f) => f.type === "welcome");
  assert.deepEqual(w1["regions"], table(true));

  await kubeletWrite(dir, table(false), 2);
  await waitFor(
    "reloaded table",
    async () => {
      const got = (await (await fetch(`${gw.url}/regions`)).json()) as Table;
      return got.regions[0]?.healthy === false;
    },
    10_000,
  );
  const c2 = new TestClient(gw.wsUrl, token);
  t.after(() => c2.close());
  await c2.opened;
  assert.deepEqual((await c2.waitFor((f) => f.type === "welcome"))["regions"], table(false));

  // A broken update keeps the last good table.
  await mkdir(join(dir, "..3"));
  await writeFile(join(dir, "..3", "regions.json"), "{not json");
  await symlink("..3", join(dir, "..data_tmp"));
  await rename(join(dir, "..data_tmp"), join(dir, "..data"));
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await (await fetch(`${gw.url}/regions`)).json(), table(false));

  const exited = gw.kill("SIGTERM");
  assert.equal(await c1.closedP, 1012);
  const rc = c1.frames.find((f) => f.type === "reconnect");
  assert.ok(rc !== undefined, "reconnect frame before the close");
  assert.deepEqual(rc["regions"], table(false));
  assert.equal(await exited, 0);
});
