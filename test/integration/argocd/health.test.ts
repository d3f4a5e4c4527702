/**
 * Argo CD health checks for the five librechat.io kinds, run by gopher-lua (the interpreter Argo CD
 * embeds, built by hack/tools/luahealth.sh from the Go module proxy) with Argo CD's restricted
 * library set. Every case of every health_test.yaml (Argo CD's own test layout) must give exactly
 * the expected status and message, and so must the copies embedded in the argocd-cm patch.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { AIModelConditionReasons } from "../../../crds/aimodel/v1alpha1/index.ts";
import { AssistantConditionReasons } from "../../../crds/assistant/v1alpha1/index.ts";
import { ChaosPolicyConditionReasons } from "../../../crds/chaospolicy/v1alpha1/index.ts";
import { ChatRegionConditionReasons } from "../../../crds/chatregion/v1alpha1/index.ts";
import { TenantConditionReasons } from "../../../crds/tenant/v1alpha1/index.ts";
import { ARGOCD_CM_PATCH, HEALTH_DIR, healthKinds } from "../../../hack/generate/argocd.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const KIND_REASONS: Record<string, Record<string, Record<string, string>>> = {
  AIModel: AIModelConditionReasons,
  Assistant: AssistantConditionReasons,
  ChaosPolicy: ChaosPolicyConditionReasons,
  ChatRegion: ChatRegionConditionReasons,
  Tenant: TenantConditionReasons,
};

interface HealthCase {
  healthStatus: { status: string; message: string };
  inputPath: string;
}
interface RunResult {
  status?: string;
  message?: string;
  error?: string;
}
interface Condition {
  type: string;
  status: string;
  reason: string;
}

const runner = execFileSync("bash", [`${root}/hack/tools/luahealth.sh`], {
  encoding: "utf8",
}).trim();

function runLua(cases: { script: string; obj: unknown }[]): RunResult[] {
  const out = execFileSync(runner, { input: JSON.stringify(cases), encoding: "utf8" });
  return JSON.parse(out) as RunResult[];
}

function casesOf(kind: string): { tc: HealthCase; obj: Record<string, unknown> }[] {
  const dir = `${root}/${HEALTH_DIR}/${kind}`;
  const spec = parse(readFileSync(`${dir}/health_test.yaml`, "utf8")) as { tests: HealthCase[] };
  return spec.tests.map((tc) => ({
    tc,
    obj: parse(readFileSync(`${dir}/${tc.inputPath}`, "utf8")) as Record<string, unknown>,
  }));
}

test("there is a health check, with test cases, for each of the five kinds", () => {
  assert.deepEqual(healthKinds(root), Object.keys(KIND_REASONS).sort());
  for (const kind of healthKinds(root)) {
    assert.ok(existsSync(`${root}/${HEALTH_DIR}/${kind}/health.lua`), kind);
    assert.ok(casesOf(kind).length >= 5, `${kind} has at least 5 cases`);
  }
});

for (const kind of Object.keys(KIND_REASONS)) {
  test(`${kind}: every health_test.yaml case gives its expected status and message`, () => {
    const script = readFileSync(`${root}/${HEALTH_DIR}/${kind}/health.lua`, "utf8");
    const cases = casesOf(kind);
    const results = runLua(cases.map(({ obj }) => ({ script, obj })));
    cases.forEach(({ tc }, i) => {
      assert.deepEqual(
        results[i],
        { status: tc.healthStatus.status, message: tc.healthStatus.message },
        `${kind} ${tc.inputPath}`,
      );
    });
  });

  test(`${kind}: test inputs use only condition types and reasons the API declares`, () => {
    const declared = KIND_REASONS[kind]!;
    for (const { tc, obj } of casesOf(kind)) {
      assert.equal(obj["kind"], kind, tc.inputPath);
      const status = obj["status"] as { conditions?: Condition[] } | undefined;
      for (const c of status?.conditions ?? []) {
        const reasons = declared[c.type];
        assert.ok(reasons, `${tc.inputPath}: condition type ${c.type} is not declared`);
        assert.ok(
          Object.values(reasons).includes(c.reason),
          `${tc.inputPath}: reason ${c.reason} is not declared for ${c.type}`,
        );
      }
    }
  });
}

test("the cases cover Healthy, Progressing, Degraded and Suspended", () => {
  const seen = new Set(
    Object.keys(KIND_REASONS).flatMap((k) => casesOf(k).map(({ tc }) => tc.healthStatus.status)),
  );
  assert.deepEqual([...seen].sort(), ["Degraded", "Healthy", "Progressing", "Suspended"]);
});

test("the argocd-cm patch embeds the tested scripts, which behave the same from there", () => {
  const cm = parse(readFileSync(`${root}/${ARGOCD_CM_PATCH}`, "utf8")) as {
    metadata: { name: string };
    data: Record<string, string>;
  };
  assert.equal(cm.metadata.name, "argocd-cm");
  for (const kind of Object.keys(KIND_REASONS)) {
    const embedded = cm.data[`resource.customizations.health.librechat.io_${kind}`];
    assert.ok(embedded, kind);
    const cases = casesOf(kind);
    const results = runLua(cases.map(({ obj }) => ({ script: embedded, obj })));
    assert.deepEqual(
      results.map((r) => r.status),
      cases.map(({ tc }) => tc.healthStatus.status),
      kind,
    );
  }
});

test("the runner has Argo CD's restricted libraries: string and os are absent, table is there", () => {
  const obj = { metadata: { name: "x" } };
  const [noString, noOs, withTable, badStatus, notTable] = runLua([
    { script: 'return { status = string.upper("healthy") }', obj },
    { script: 'return { status = "Healthy", message = os.getenv("HOME") }', obj },
    {
      script:
        'local t = {} table.insert(t, obj.metadata.name) return { status = "Healthy", message = t[1] }',
      obj,
    },
    { script: 'return { status = "Fine" }', obj },
    { script: 'return "Healthy"', obj },
  ]);
  assert.match(noString!.error ?? "", /non-table object/);
  assert.match(noOs!.error ?? "", /non-table object/);
  assert.deepEqual(withTable, { status: "Healthy", message: "x" });
  assert.deepEqual(badStatus, {
    status: "Unknown",
    message: "Lua returned an invalid health status",
  });
  assert.match(notTable!.error ?? "", /expect table output/);
});
