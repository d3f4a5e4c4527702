// One definition per kind: fails when a GVK is spelled outside the kind records
// (crds/<kind>/v1alpha1/kind.ts) and the core-kind table (operators/runtime/core-kinds.ts).
// "Spelled" means an apiVersion literal next to a kind literal, a plural resource-name literal, or
// the librechat.io API version as a string. Tests and test helpers may build objects freely;
// workloads are checked too, for our group's API version only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CORE_KINDS } from "../operators/runtime/core-kinds.ts";
import { KINDS } from "./registry.ts";

const ROOT = join(import.meta.dirname, "..");
const SOURCE_DIRS = [
  "bin",
  "cmd",
  "controllers",
  "crds",
  "lib",
  "operators",
  "webhooks",
  "workloads",
];
const ALLOWED = new Set([
  "operators/runtime/core-kinds.ts",
  "crds/shared/kind.ts",
  "crds/shared/schema.ts",
  ...KINDS.map((k) => `crds/${k.singular}/${k.version}/kind.ts`),
]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "testing" || e.name === "test") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    // cases.ts files are test data (objects for the CEL suites), like *.test.ts.
    else if (
      e.name.endsWith(".ts") &&
      e.name !== "cases.ts" &&
      !/\.test\.ts$|\.test-helpers\.ts$/.test(e.name)
    )
      out.push(p);
  }
  return out;
}

/** Drops // and /* comments so prose may name API versions. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

const KNOWN = [...CORE_KINDS, ...KINDS].map((k) => k.kind).join("|");
const GVK_LITERAL = new RegExp(
  `apiVersion:\\s*["'\`][^"'\`]+["'\`]\\s*,\\s*kind:\\s*["'\`](${KNOWN})["'\`]`,
);
const PLURAL_LITERAL = /\bplural:\s*["'`][a-z]+["'`]/;
const GROUP_VERSION = /["'`]librechat\.io\/v1alpha1["'`]/;

export function findDefinitions(file: string, text: string): string[] {
  const c = code(text);
  const hits: string[] = [];
  const inWorkloads = file.startsWith("workloads/");
  if (!inWorkloads && GVK_LITERAL.test(c))
    hits.push(`${file}: apiVersion + kind literal (${GVK_LITERAL.exec(c)?.[0] ?? ""})`);
  if (!inWorkloads && PLURAL_LITERAL.test(c))
    hits.push(`${file}: plural literal (${PLURAL_LITERAL.exec(c)?.[0] ?? ""})`);
  if (GROUP_VERSION.test(c)) hits.push(`${file}: librechat.io API version literal`);
  return hits;
}

test("no GVK is defined outside the kind records and the core-kind table", () => {
  const hits: string[] = [];
  for (const d of SOURCE_DIRS) {
    for (const f of sources(join(ROOT, d))) {
      const rel = relative(ROOT, f);
      if (ALLOWED.has(rel)) continue;
      hits.push(...findDefinitions(rel, readFileSync(f, "utf8")));
    }
  }
  assert.deepEqual(hits, []);
});

test("the scanner catches each form of a second definition", () => {
  assert.equal(
    findDefinitions(
      "controllers/x/gvks.ts",
      `const D = { apiVersion: "apps/v1", kind: "Deployment" };`,
    ).length,
    1,
  );
  assert.equal(findDefinitions("webhooks/types.ts", `const K = { plural: "aimodels" };`).length, 1);
  assert.equal(findDefinitions("operators/x.ts", "const API = `librechat.io/v1alpha1`;").length, 1);
  assert.equal(
    findDefinitions("workloads/x/src/a.ts", `const API = "librechat.io/v1alpha1";`).length,
    1,
  );
  assert.deepEqual(
    findDefinitions("operators/x.ts", `// apiVersion: "v1", kind: "Secret"\nconst a = 1;`),
    [],
  );
});

test("every kind record is unique and matches its CRD definition", () => {
  const ids = [...CORE_KINDS, ...KINDS].map((k) => `${k.apiVersion}/${k.kind}`);
  assert.equal(new Set(ids).size, ids.length);
  const plurals = [...CORE_KINDS, ...KINDS].map((k) => `${k.apiVersion}/${k.plural}`);
  assert.equal(new Set(plurals).size, plurals.length);
  for (const k of KINDS) assert.equal(k.scope, k.namespaced ? "Namespaced" : "Cluster");
});
