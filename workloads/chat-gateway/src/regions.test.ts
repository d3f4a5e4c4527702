/**
 * Tests of the regions table: validation, and that a kubelet-style ConfigMap update (the `..data`
 * symlink swapped to a new timestamped directory) is picked up, while a broken file keeps the
 * last good table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRegionsTable, RegionsWatcher, type RegionsTable } from "./regions.ts";

const table = (healthy: boolean): RegionsTable => ({
  self: "eu-1",
  regions: [
    {
      name: "eu-1",
      dataRegion: "eu",
      endpoint: "wss://eu-1.example/v1/ws",
      priority: 0,
      weight: 100,
      healthy,
    },
    {
      name: "eu-2",
      dataRegion: "eu",
      endpoint: "wss://eu-2.example/v1/ws",
      priority: 1,
      weight: 100,
      healthy: true,
    },
  ],
});

void test("parseRegionsTable accepts the contract and names the path of a problem", () => {
  const ok = parseRegionsTable(JSON.stringify(table(true)));
  assert.ok(ok.ok);
  const cases: [unknown, RegExp][] = [
    [{ regions: [] }, /self/],
    [{ self: "a", regions: [{ name: "a" }] }, /\/regions\/0/],
    [{ ...table(true), extra: 1 }, /extra|additional/i],
    [{ self: "a", regions: [table(true).regions[0], table(true).regions[0]] }, /duplicate/],
  ];
  for (const [value, re] of cases) {
    const r = parseRegionsTable(JSON.stringify(value));
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, re);
  }
  assert.deepEqual(parseRegionsTable("{"), { ok: false, error: "not valid JSON" });
});

/** Writes a kubelet-style projected volume: dir/..data -> ..<ts>/, dir/regions.json -> ..data/regions.json. */
async function kubeletWrite(dir: string, text: string, n: number): Promise<void> {
  const ts = join(dir, `..${n}`);
  await mkdir(ts);
  await writeFile(join(ts, "regions.json"), text);
  await symlink(`..${n}`, join(dir, "..data_tmp"));
  await rename(join(dir, "..data_tmp"), join(dir, "..data"));
  if (n === 1) await symlink("..data/regions.json", join(dir, "regions.json"));
  else await rm(join(dir, `..${n - 1}`), { recursive: true });
}

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

void test("RegionsWatcher follows a ..data symlink swap and keeps the last good table", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "cg-regions-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await kubeletWrite(dir, JSON.stringify(table(true)), 1);
  const errors: string[] = [];
  let changes = 0;
  const w = new RegionsWatcher(join(dir, "regions.json"), {
    onError: (_e, msg) => errors.push(msg),
    onChange: () => {
      changes++;
    },
  });
  await w.start(60_000);
  t.after(() => {
    w.close();
  });
  assert.equal(w.table?.regions[0]?.healthy, true);
  await kubeletWrite(dir, JSON.stringify(table(false)), 2);
  await until(() => w.table?.regions[0]?.healthy === false);
  assert.equal(changes, 2);
  await kubeletWrite(dir, "{broken", 3);
  await until(() => errors.some((m) => m.includes("invalid")));
  assert.equal(w.table?.regions[0]?.healthy, false, "the last good table stays");
});

void test("RegionsWatcher without a file has no table and reports it", async (t) => {
  const errors: string[] = [];
  const w = new RegionsWatcher(join(tmpdir(), `missing-${Date.now()}`, "regions.json"), {
    onError: (_e, msg) => errors.push(msg),
  });
  await w.start(60_000);
  t.after(() => {
    w.close();
  });
  assert.equal(w.table, null);
  assert.ok(errors.length >= 1);
});
