// Tests of the librechatctl CLI: templates per kind, offline validation with exit codes, and the
// executable itself.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { KINDS } from "../crds/registry.ts";
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, run } from "./librechatctl.ts";
import type { Io } from "./librechatctl.ts";

const repo = fileURLToPath(new URL("..", import.meta.url));
const samples = join(repo, "manifests", "samples");
const cli = join(repo, "bin", "librechatctl.ts");

function capture(files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readFile: (p) => {
      const text = files[p];
      if (text !== undefined) return text;
      return readFileSync(p, "utf8");
    },
  };
  return { io, out: () => out.join(""), err: () => err.join("") };
}

const invalidModel = `apiVersion: librechat.io/v1alpha1
kind: AIModel
metadata: {name: broken}
spec:
  provider: vllm
  modelName: llama
  engine: {image: vllm/vllm-openai}
  minReplicas: 3
  maxReplicas: 2
  replicas: 2
---
apiVersion: librechat.io/v1alpha1
kind: AIModel
metadata: {name: fine}
spec: {provider: vllm, modelName: llama, engine: {image: vllm/vllm-openai}}
`;

void describe("librechatctl", () => {
  void it("--help prints usage and exits 0", () => {
    const c = capture();
    assert.equal(run(["--help"], c.io), EXIT_OK);
    assert.match(c.out(), /librechatctl template <kind>/);
    assert.match(c.out(), /Exit codes: 0 valid, 1 invalid, 2 usage/);
  });

  void it("no command is a usage error", () => {
    const c = capture();
    assert.equal(run([], c.io), EXIT_USAGE);
    assert.equal(run(["frobnicate"], c.io), EXIT_USAGE);
    assert.match(c.err(), /unknown command "frobnicate"/);
  });

  void describe("validate", () => {
    const files = readdirSync(samples).filter(
      (f) => f.endsWith(".yaml") && f !== "kustomization.yaml",
    );
    void it("finds a sample for every kind", () => {
      const text = files.map((f) => readFileSync(join(samples, f), "utf8")).join("\n");
      for (const k of KINDS) assert.match(text, new RegExp(`kind: ${k.kind}\\n`), k.kind);
    });
    for (const f of files) {
      void it(`sample ${f} is valid`, () => {
        const c = capture();
        assert.equal(run(["validate", join(samples, f)], c.io), EXIT_OK, c.out());
        assert.equal(c.out(), "");
      });
    }

    void it("reports file:docIndex kind/name: field: message and exits 1", () => {
      const c = capture({ "models.yaml": invalidModel });
      assert.equal(run(["validate", "models.yaml"], c.io), EXIT_INVALID);
      assert.equal(
        c.out(),
        'models.yaml:0 AIModel/broken: spec.minReplicas: Invalid value: "object": minReplicas must be less than or equal to maxReplicas\n' +
          'models.yaml:0 AIModel/broken: spec.replicas: Invalid value: "object": replicas must be at least minReplicas, and at most maxReplicas when it is set, while autoscaling is disabled\n',
      );
      assert.match(c.err(), /1 of 2 librechat\.io document\(s\) invalid/);
    });

    void it("reads stdin for -", () => {
      const c = capture({ "-": invalidModel });
      assert.equal(run(["validate", "-"], c.io), EXIT_INVALID);
      assert.match(c.out(), /^-:0 AIModel\/broken: spec\.minReplicas:/);
    });

    void it("reads YAML as kubectl does: an unquoted on: key is the boolean true", () => {
      const c = capture({
        "on.yaml":
          "apiVersion: librechat.io/v1alpha1\nkind: ChaosPolicy\nmetadata: {name: x}\nspec:\n  fault: {type: PodDelete}\n  target: {kind: AIModel, name: m}\n  duration: 5m\n  on: 1\n",
      });
      assert.equal(run(["validate", "on.yaml"], c.io), EXIT_INVALID);
      assert.match(c.out(), /spec\.true: unknown field/);
    });

    void it("flags unknown librechat.io kinds and skips other API groups", () => {
      const c = capture({
        "mixed.yaml":
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: librechat.io/v1alpha1\nkind: Widget\nmetadata: {name: w}\n",
      });
      assert.equal(run(["validate", "mixed.yaml"], c.io), EXIT_INVALID);
      assert.equal(
        c.out(),
        "mixed.yaml:1 Widget/w: <root>: unknown apiVersion/kind librechat.io/v1alpha1/Widget\n",
      );
    });

    void it("exits 2 on a missing file, a YAML syntax error, or no arguments", () => {
      const c = capture({ "bad.yaml": "a: [1,\n" });
      assert.equal(run(["validate", "/nonexistent/x.yaml"], c.io), EXIT_USAGE);
      assert.match(c.err(), /cannot read/);
      assert.equal(run(["validate", "bad.yaml"], c.io), EXIT_USAGE);
      assert.match(c.err(), /YAML parse error/);
      assert.equal(run(["validate"], c.io), EXIT_USAGE);
    });
  });

  void describe("template", () => {
    for (const def of KINDS) {
      for (const name of [def.kind, def.plural, def.shortNames[0]!]) {
        void it(`prints a commented ${def.kind} template for "${name}"`, () => {
          const c = capture();
          assert.equal(run(["template", name], c.io), EXIT_OK);
          const doc = parse(c.out()) as { apiVersion: string; kind: string; spec: unknown };
          assert.equal(doc.kind, def.kind);
          assert.equal(doc.apiVersion, "librechat.io/v1alpha1");
          assert.match(c.out(), /# rule: /);
        });
      }
    }
    void it("rejects an unknown kind with exit 2", () => {
      const c = capture();
      assert.equal(run(["template", "widget"], c.io), EXIT_USAGE);
      assert.equal(run(["template"], c.io), EXIT_USAGE);
    });
  });

  void it("runs as an executable with the same exit codes", () => {
    const ok = spawnSync(cli, ["validate", join(samples, "aimodel-vllm.yaml")], {
      encoding: "utf8",
    });
    assert.equal(ok.status, 0, ok.stderr);
    const bad = spawnSync(cli, ["validate", "-"], { input: invalidModel, encoding: "utf8" });
    assert.equal(bad.status, 1);
    const usage = spawnSync(cli, [], { encoding: "utf8" });
    assert.equal(usage.status, 2);
  });
});
