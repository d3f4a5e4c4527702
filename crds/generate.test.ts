// Tests of CRD generation: deterministic, structural, committed files up to date, unique short
// names.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { buildCrd, crdFileName, renderCrd } from "./crd.ts";
import { generate } from "./generate.ts";
import { KINDS } from "./registry.ts";

const repo = fileURLToPath(new URL("..", import.meta.url));
const script = join(repo, "crds", "generate.ts");

function runGenerate(args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
}

void describe("crds/generate.ts", () => {
  void it("renders byte-identical output on every run", () => {
    for (const def of KINDS) assert.equal(renderCrd(def), renderCrd(def));
    const a = mkdtempSync(join(tmpdir(), "crd-a-"));
    const b = mkdtempSync(join(tmpdir(), "crd-b-"));
    try {
      generate(a, false);
      generate(b, false);
      const files = readdirSync(a).sort();
      assert.deepEqual(files, [...KINDS.map(crdFileName), "kustomization.yaml"].sort());
      for (const f of files)
        assert.equal(readFileSync(join(a, f), "utf8"), readFileSync(join(b, f), "utf8"));
    } finally {
      rmSync(a, { recursive: true });
      rmSync(b, { recursive: true });
    }
  });

  void it("sorts keys at every level", () => {
    const check = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach(check);
      } else if (typeof node === "object" && node !== null) {
        const keys = Object.keys(node);
        assert.deepEqual(keys, [...keys].sort());
        Object.values(node).forEach(check);
      }
    };
    for (const def of KINDS) check(buildCrd(def));
  });

  void it("writes apiextensions.k8s.io/v1 CRDs with status, scale, categories and short names", () => {
    for (const def of KINDS) {
      const crd = parse(renderCrd(def)) as {
        apiVersion: string;
        metadata: { name: string };
        spec: {
          names: { categories: string[]; shortNames: string[] };
          scope: string;
          versions: {
            subresources: Record<string, unknown>;
            additionalPrinterColumns: { name: string }[];
          }[];
        };
      };
      assert.equal(crd.apiVersion, "apiextensions.k8s.io/v1");
      assert.equal(crd.metadata.name, `${def.plural}.librechat.io`);
      assert.deepEqual(crd.spec.names.categories, ["librechat"]);
      assert.ok(crd.spec.names.shortNames.length > 0);
      const version = crd.spec.versions[0]!;
      assert.deepEqual(version.subresources["status"], {});
      const columns = version.additionalPrinterColumns.map((c) => c.name);
      assert.ok(columns.includes("Ready") && columns.includes("Age"), columns.join(","));
      const hasScale = "scale" in version.subresources;
      assert.equal(hasScale, def.kind === "AIModel" || def.kind === "ChatRegion", def.kind);
    }
    assert.equal(
      new Set(KINDS.flatMap((k) => k.shortNames)).size,
      KINDS.flatMap((k) => k.shortNames).length,
    );
  });

  void it("quotes YAML 1.1 booleans so kubectl reads the same keys", () => {
    for (const def of KINDS) assert.doesNotMatch(renderCrd(def), /^\s*(on|off|yes|no|y|n):/im);
  });

  void it("--check passes on the committed manifests", () => {
    const r = runGenerate(["--check"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /up to date/);
  });

  void it("--check exits 1 naming the stale, missing and extra files", () => {
    const dir = mkdtempSync(join(tmpdir(), "crd-stale-"));
    try {
      generate(dir, false);
      const [first, second] = KINDS.map(crdFileName);
      writeFileSync(
        join(dir, first!),
        readFileSync(join(dir, first!), "utf8").replace("served: true", "served: false"),
      );
      rmSync(join(dir, second!));
      writeFileSync(join(dir, "librechat.io_old.yaml"), "x: 1\n");
      const r = runGenerate(["--check", "--out", dir]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /out of date/);
      assert.match(r.stderr, new RegExp(`${first!.replace(".", "\\.")}: stale at line \\d+`));
      assert.match(r.stderr, new RegExp(`${second!.replace(".", "\\.")}: missing`));
      assert.match(r.stderr, /librechat\.io_old\.yaml: not generated/);
      assert.match(r.stderr, /Run: node crds\/generate\.ts/);
      const fixed = runGenerate(["--out", dir]);
      assert.equal(fixed.status, 0, fixed.stderr);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
