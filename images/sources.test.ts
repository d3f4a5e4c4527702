// Table test of the image source rule: the directories an entrypoint reaches through relative
// imports, read from the real tree (a folder missing from an image broke its smoke test once).
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { importClosure, sourceFolders } from "./sources.ts";

const root = process.cwd();

test("the manager image needs its shared folders and the inference gateway's exported schema", () => {
  const dirs = sourceFolders(importClosure(["cmd/manager/main.ts", "cmd/webhooks/main.ts"]), root);
  assert.deepEqual(dirs, [
    "cmd",
    "controllers",
    "crds",
    "lib",
    "operators",
    "webhooks",
    "workloads/inference-gateway",
  ]);
});

test("a gateway image needs its own workload folder and lib/ (tracing), not the other gateway", () => {
  for (const w of ["inference-gateway", "chat-gateway"]) {
    const files = importClosure([`workloads/${w}/src/server.ts`]);
    assert.deepEqual(sourceFolders(files, root), ["lib", `workloads/${w}`]);
    // The SDK-backed tracer is reached only through the dynamic import (loaded when tracing is on).
    assert.ok(files.some((f) => f.endsWith("lib/tracing/otel.ts")));
  }
});

test("static, re-export, side-effect and dynamic imports are followed; packages are not", () => {
  const dir = mkdtempSync(join(tmpdir(), "closure-"));
  mkdirSync(join(dir, "a"));
  mkdirSync(join(dir, "b"));
  mkdirSync(join(dir, "c"));
  mkdirSync(join(dir, "d"));
  mkdirSync(join(dir, "e"));
  writeFileSync(
    join(dir, "a/main.ts"),
    'import { x } from "../b/x.ts";\nexport * from "../c/y.ts";\nimport "../d/z.ts";\nimport fs from "node:fs";\nconst m = await import("../e/w.ts");\n',
  );
  writeFileSync(
    join(dir, "b/x.ts"),
    'export const x = 1;\nimport { x as again } from "../a/main.ts";\n// import { y } from "../nowhere/y.ts";\n/*\n * import "../nowhere/z.ts";\n */\n',
  );
  for (const f of ["c/y.ts", "d/z.ts", "e/w.ts"]) writeFileSync(join(dir, f), "export {};\n");
  const files = importClosure([join(dir, "a/main.ts")]);
  assert.equal(files.length, 5);
  assert.deepEqual(sourceFolders(files, dir), ["a", "b", "c", "d", "e"]);
});

test("a missing import names the file; a file outside any folder is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "closure-"));
  mkdirSync(join(dir, "a"));
  writeFileSync(join(dir, "a/main.ts"), 'import { gone } from "./gone.ts";\n');
  assert.throws(() => importClosure([join(dir, "a/main.ts")]), /cannot read .*gone\.ts/);
  assert.throws(() => sourceFolders([join(dir, "top.ts")], dir), /outside a directory/);
});
