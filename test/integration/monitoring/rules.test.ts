/**
 * The alerting and recording rules pass `promtool check rules` and their unit tests
 * (`promtool test rules` on manifests/monitoring/rules/librechat.rules.test.yaml), with promtool
 * from hack/tools/prometheus.sh (Prometheus built from its Go module); the PrometheusRule shipped for
 * the prometheus-operator carries exactly those rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { RULES_FILE } from "../../../hack/generate/monitoring.ts";
import { ROOT } from "../install/render.ts";

const exec = promisify(execFile);

async function promtool(args: string[]): Promise<{ code: number; out: string }> {
  const dir = (
    await exec("bash", [join(ROOT, "hack/tools/prometheus.sh"), "path"], { maxBuffer: 1 << 20 })
  ).stdout.trim();
  try {
    const r = await exec(join(dir, "promtool"), args, {
      cwd: join(ROOT, "manifests/monitoring/rules"),
    });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

test("promtool check rules accepts the rule file", async () => {
  const r = await promtool(["check", "rules", "librechat.rules.yaml"]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SUCCESS: 12 rules found/);
});

test("promtool test rules: every alert fires on its failure and not on the healthy series", async () => {
  const r = await promtool(["test", "rules", "librechat.rules.test.yaml"]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SUCCESS/);
});

test("a broken expectation makes promtool test rules fail (the harness can fail)", async () => {
  const text = readFileSync(
    join(ROOT, "manifests/monitoring/rules/librechat.rules.test.yaml"),
    "utf8",
  );
  const broken = text.replace("region: eu-west}", "region: us-east}");
  assert.notEqual(broken, text);
  const dir = mkdtempSync(join(tmpdir(), "rules-"));
  copyFileSync(join(ROOT, RULES_FILE), join(dir, "librechat.rules.yaml"));
  writeFileSync(join(dir, "t.yaml"), broken);
  const r = await promtool(["test", "rules", join(dir, "t.yaml")]);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /ChatRegionFailover/);
});

test("the PrometheusRule holds exactly the tested rule groups", () => {
  const file = parse(readFileSync(join(ROOT, RULES_FILE), "utf8")) as { groups: unknown };
  const pr = parse(
    readFileSync(join(ROOT, "manifests/monitoring/prometheus-rule.yaml"), "utf8"),
  ) as { kind: string; spec: { groups: unknown } };
  assert.equal(pr.kind, "PrometheusRule");
  assert.deepEqual(pr.spec.groups, file.groups);
});
