/**
 * Every metric that an alert, recording rule or dashboard query names is registered somewhere in
 * the code (operators, webhooks, controllers, workloads) — found by reading the metric definitions
 * (`name: "…"`, or `${P}…` with the file's prefix constant), not by a hand-kept list. A query that
 * names a metric nobody exports would show an empty panel or an alert that can never fire.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { RULES_FILE, dashboardExpressions } from "../../../hack/generate/monitoring.ts";
import { ROOT } from "../install/render.ts";

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** Metric names registered with prom-client in the code. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  for (const file of ["operators", "webhooks", "controllers", "workloads"].flatMap(sourceFiles)) {
    const text = readFileSync(file, "utf8");
    if (!/new (Counter|Gauge|Histogram|Summary)\b/.test(text)) continue;
    const prefixes = new Map<string, string>();
    for (const m of text.matchAll(/const (\w+) = "([a-z_]+_)";/g)) prefixes.set(m[1]!, m[2]!);
    for (const m of text.matchAll(/name: "([a-z_:]+)"/g)) names.add(m[1]!);
    for (const m of text.matchAll(/name: `\$\{(\w+)\}([a-z_]+)`/g)) {
      const p = prefixes.get(m[1]!);
      if (p !== undefined) names.add(p + m[2]!);
    }
  }
  return names;
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "offset",
  "bool",
  "le",
  "inf",
  "nan",
]);

/** Metric (or recording-rule) names a PromQL expression selects. */
export function selectedNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const out: string[] = [];
  for (const m of stripped.matchAll(/(?<![\w:.$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2] !== undefined || KEYWORDS.has(m[1]!.toLowerCase())) continue;
    out.push(m[1]!);
  }
  return out;
}

function ruleExpressions(): { expr: string; record?: string }[] {
  const rules = parse(readFileSync(join(ROOT, RULES_FILE), "utf8")) as {
    groups: { rules: { expr: string; record?: string }[] }[];
  };
  return rules.groups.flatMap((g) => g.rules);
}

test("the PromQL name extraction finds selectors and skips functions, keywords and label lists", () => {
  assert.deepEqual(
    selectedNames(
      'histogram_quantile(0.99, sum by (le, model) (rate(x_seconds_bucket{a="b c"}[$__rate_interval]))) / y_total offset 15m unless on (region) z',
    ),
    ["x_seconds_bucket", "y_total", "z"],
  );
  assert.deepEqual(selectedNames("label_values(chat_gateway_connections, region)"), [
    "chat_gateway_connections",
    "region",
  ]);
});

test("every metric named by alerts, recording rules and dashboards is registered in the code", () => {
  const registered = registeredMetrics();
  // Sanity: the scan sees the three families (operator runtime, inference gateway, chat gateway).
  for (const known of [
    "controller_runtime_reconcile_total",
    "inference_gateway_requests_total",
    "chat_gateway_connections",
  ]) {
    assert.ok(registered.has(known), `scan finds ${known}`);
  }
  const rules = ruleExpressions();
  const recorded = new Set(rules.flatMap((r) => (r.record === undefined ? [] : [r.record])));
  const exists = (n: string): boolean =>
    registered.has(n) || recorded.has(n) || registered.has(n.replace(/_(bucket|sum|count)$/, ""));
  const missing = new Set<string>();
  const exprs = [
    ...rules.map((r) => r.expr),
    ...dashboardExpressions().map((e) => e.replace(/^label_values\((\w+), \w+\)$/, "$1")),
  ];
  for (const expr of exprs) {
    for (const n of selectedNames(expr)) if (!exists(n)) missing.add(n);
  }
  assert.deepEqual([...missing], []);
  assert.ok(exprs.length >= 30);
});
