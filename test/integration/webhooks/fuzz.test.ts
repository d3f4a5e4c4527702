// Fuzz: 500 random or mutated objects per kind (seeded PRNG; FUZZ_SEED, FUZZ_COUNT override) sent as
// dry-run creates through the real API server with our webhooks registered, 8 in flight. Checks:
// every answer within 10 s, no webhook call failure (crash, timeout, 5xx), the server still healthy
// afterwards, and every admitted object satisfies the webhook rule functions and defaults.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { KINDS as CRD_KINDS } from "../../../crds/registry.ts";
import type { ValidCase } from "../../../crds/shared/cases.ts";
import { defaultAIModel, validateAIModel } from "../../../webhooks/aimodel.ts";
import { validateAssistant } from "../../../webhooks/assistant.ts";
import { validateChaosPolicy } from "../../../webhooks/chaospolicy.ts";
import { validateChatRegion } from "../../../webhooks/chatregion.ts";
import { KubeLookup } from "../../../webhooks/kube.ts";
import { validateTenant } from "../../../webhooks/tenant.ts";
import type { ValidateInput } from "../../../webhooks/types.ts";
import { aimodel, assistant, chaosPolicy, chatRegion, externalModel, tenant } from "./fixtures.ts";
import { RUN_LABEL, TEST_POLICY, startHarness } from "./harness.ts";
import type { CreateResult, Harness } from "./harness.ts";
import { makeWorld } from "./world.ts";
import type { World } from "./world.ts";

type Obj = Record<string, unknown>;
type Rng = () => number;

const SEED = Number(process.env["FUZZ_SEED"] ?? 0x5eed);
const COUNT = Number(process.env["FUZZ_COUNT"] ?? 500);
const PARALLEL = 8;

/** mulberry32: small, seedable, good enough for test inputs. */
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

function randomScalar(rng: Rng, w: World): unknown {
  return pick(rng, [
    () => Math.floor(rng() * 130) - 10,
    () => pick(rng, [0, 1, 25, 50, 90, 100, 101, 2 ** 31, -1, 1.5]),
    () =>
      pick(rng, [
        "",
        "x",
        "llama",
        "gpt",
        "nope",
        "eu-west",
        "us-east",
        "master",
        "1s",
        "30m",
        "45m",
        "2h",
        "5x",
        "v1",
        "v2",
        w.acmeA,
        w.acmeB,
        w.globexA,
        w.orphan,
        "a/b:c",
        "é",
        "0".repeat(300),
      ]),
    () => rng() < 0.5,
    () => null,
    () => [],
    () => ({}),
    () => [pick(rng, ["eu-west", "us-east", "nope", 7])],
  ])();
}

/** Every path (object keys and array indexes) under `v`. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...prefix, i], ...paths(x, [...prefix, i])));
  else if (typeof v === "object" && v !== null)
    for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...paths(x, [...prefix, k]));
  return out;
}

function parentOf(root: Obj, path: (string | number)[]): { parent: unknown; key: string | number } {
  let cur: unknown = root;
  for (const k of path.slice(0, -1)) cur = (cur as Record<string | number, unknown>)[k];
  return { parent: cur, key: path.at(-1) as string | number };
}

const RULE_KEYS = new Set([
  "weight",
  "modelRef",
  "namespace",
  "duration",
  "maxAffectedPercent",
  "value",
  "mode",
  "kind",
  "name",
  "dataRegion",
  "allowCrossRegionFailover",
  "suspend",
  "dryRun",
  "fallbackRegions",
  "minHealthyReplicas",
  "replicas",
  "modelName",
]);

/** A value of the same JSON type as `current` (keeps many mutants schema-valid). */
function sameType(rng: Rng, current: unknown, w: World): unknown {
  if (typeof current === "number")
    return pick(rng, [0, 1, 2, 3, 5, 10, 50, 100, current + 1, current - 1, current * 2]);
  if (typeof current === "boolean") return !current;
  if (typeof current === "string")
    return pick(rng, [
      current,
      `${current}x`,
      "llama",
      "gpt",
      "eu-west",
      "nope",
      "v1",
      "v2",
      w.acmeB,
      "",
    ]);
  return randomScalar(rng, w);
}

/** Interesting values per field name: pushes objects across documented rule boundaries. */
function interesting(rng: Rng, key: string | number, current: unknown, w: World): unknown {
  switch (key) {
    case "weight":
      return pick(rng, [0, 10, 50, 90, 100, 110]);
    case "modelRef":
      return pick(rng, ["llama", "gpt", "nope"]);
    case "namespace":
      return pick(rng, [w.acmeA, w.acmeB, w.globexA, w.orphan, "nope"]);
    case "duration":
      return pick(rng, ["1s", "5m", "30m", "31m", "45m", "1h"]);
    case "maxAffectedPercent":
    case "value":
      return pick(rng, [1, 10, 25, 49, 50, 51, 80, 100]);
    case "mode":
      return pick(rng, ["One", "Fixed", "Percent"]);
    case "kind":
      return pick(rng, ["AIModel", "ChatRegion", "Deployment"]);
    case "name":
      return pick(rng, ["llama", "gpt", "eu-west", "web", "master", "nope", `realm-${w.acme}`]);
    case "dataRegion":
      return pick(rng, ["eu", "us"]);
    case "allowCrossRegionFailover":
    case "suspend":
    case "dryRun":
      return rng() < 0.5;
    default:
      return sameType(rng, current, w);
  }
}

/** Applies 1–3 random edits under spec (or, rarely, replaces spec entirely). */
function mutate(base: Obj, rng: Rng, w: World): Obj {
  const obj = structuredClone(base);
  if (rng() < 0.05) {
    obj["spec"] = randomScalar(rng, w);
    return obj;
  }
  const edits = pick(rng, [1, 1, 1, 2, 2, 3]);
  // A third of the mutants only touch fields that webhook rules read, so more of them pass the
  // schema and reach the webhooks.
  const ruleOnly = rng() < 0.35;
  for (let i = 0; i < edits; i++) {
    const all = paths(obj["spec"], ["spec"]);
    const focused = all.filter((p) => RULE_KEYS.has(String(p.at(-1))));
    const candidates = ruleOnly && focused.length > 0 ? focused : all;
    if (candidates.length === 0) break;
    const path = pick(rng, candidates);
    const { parent, key } = parentOf(obj, path);
    const r = rng();
    if (Array.isArray(parent)) {
      if (r < 0.3) parent.splice(Number(key), 1);
      else if (r < 0.5) parent.push(structuredClone(parent[Number(key)]));
      else parent[Number(key)] = interesting(rng, key, parent[Number(key)], w);
    } else if (typeof parent === "object" && parent !== null) {
      const rec = parent as Obj;
      if (r < 0.2) Reflect.deleteProperty(rec, key);
      else if (r < 0.9) rec[key as string] = interesting(rng, key, rec[key as string], w);
      else rec[key as string] = randomScalar(rng, w);
    }
  }
  return obj;
}

interface Outcome {
  kind: string;
  sent: Obj;
  res: CreateResult;
}

async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/** Seeds from the CRD case tables: every valid case, and the invalid ones once (rarely picked). */
async function caseObjects(singular: string): Promise<Obj[]> {
  try {
    const mod = (await import(`../../../crds/${singular}/v1alpha1/cases.ts`)) as {
      validCases?: readonly ValidCase[];
      invalidCases?: readonly ValidCase[];
    };
    const valid = (mod.validCases ?? []).map((c) => c.object);
    return [...valid, ...valid, ...valid, ...(mod.invalidCases ?? []).map((c) => c.object)];
  } catch {
    return [];
  }
}

let h: Harness;
let w: World;

describe("webhook fuzzing through the API server", () => {
  before(async () => {
    h = await startHarness();
    w = await makeWorld(h);
  });
  after(() => h.close());

  it(`${COUNT} objects per kind: no crash, answers within 10 s, nothing admitted that breaks a rule`, async (t) => {
    const rng = mulberry32(SEED);
    t.diagnostic(`seed ${SEED} (FUZZ_SEED to reproduce)`);
    const seeds: Record<string, Obj[]> = {
      AIModel: [aimodel("m", w.acmeA), externalModel("m", w.acmeA)],
      Assistant: [
        assistant("a", w.acmeA),
        assistant("a", w.acmeA, {
          versions: [
            { name: "v1", modelRef: "llama", instructions: "a" },
            { name: "v2", modelRef: "gpt", instructions: "b" },
          ],
          variants: [
            { version: "v1", weight: 50 },
            { version: "v2", weight: 50 },
          ],
        }),
      ],
      ChatRegion: [chatRegion("r", w.acmeA, "eu", { failover: { fallbackRegions: ["eu-west"] } })],
      ChaosPolicy: [
        chaosPolicy("c", w.acmeA),
        chaosPolicy("c", w.acmeA, {
          target: { kind: "AIModel", name: "llama", namespace: w.acmeB },
          blastRadius: { mode: "Fixed", value: 1, maxAffectedPercent: 25 },
        }),
      ],
      Tenant: [tenant("t", { realm: { name: "r" } }), tenant("t", {})],
    };
    for (const def of CRD_KINDS)
      seeds[def.kind] = [...(seeds[def.kind] ?? []), ...(await caseObjects(def.singular))];
    const namespaces = [w.acmeA, w.acmeB, w.globexA, w.orphan];
    const jobs: { kind: string; obj: Obj }[] = [];
    for (const def of CRD_KINDS) {
      const bases = seeds[def.kind] ?? [];
      for (let i = 0; i < COUNT; i++) {
        const obj = mutate(pick(rng, bases), rng, w);
        const meta = {
          ...(typeof obj["metadata"] === "object" && obj["metadata"] !== null
            ? (obj["metadata"] as Obj)
            : {}),
        };
        meta["name"] = def.scope === "Namespaced" ? `f${i}` : `f${i}-${h.runId}`;
        if (def.scope === "Namespaced")
          meta["namespace"] = rng() < 0.7 ? w.acmeA : pick(rng, namespaces);
        else delete meta["namespace"];
        meta["labels"] = { [RUN_LABEL]: h.runId };
        obj["metadata"] = meta;
        obj["apiVersion"] = `${def.group}/${def.version}`;
        obj["kind"] = def.kind;
        jobs.push({ kind: def.kind, obj });
      }
    }
    const started = performance.now();
    const outcomes: Outcome[] = await pool(jobs, PARALLEL, async (j) => ({
      kind: j.kind,
      sent: j.obj,
      res: await h.create(j.obj, { dryRun: true }),
    }));
    t.diagnostic(`${outcomes.length} reviews in ${Math.round(performance.now() - started)} ms`);

    // 1. Every answer within 10 s; no failed webhook call (crash, timeout, TLS) and no internal error.
    const slow = outcomes.filter((o) => o.res.ms >= 10_000);
    assert.deepEqual(
      slow.map((o) => `${o.kind} ${Math.round(o.res.ms)}ms`),
      [],
    );
    const broken = outcomes.filter(
      (o) =>
        !o.res.ok &&
        (o.res.code >= 500 || /failed calling webhook|could not decide/.test(o.res.message)),
    );
    assert.deepEqual(
      broken.map((o) => `${o.kind}: ${o.res.ok ? "" : o.res.message}`).slice(0, 10),
      [],
    );

    // 2. The server is still healthy.
    const status = await new Promise<number>((resolve, reject) => {
      const ca = h.webhooks.certs.current?.caBundle ?? "";
      httpsRequest(`${h.webhooks.server.url}/healthz`, { ca, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    assert.equal(status, 200);

    // 3. Admitted objects satisfy every webhook rule and carry the defaults.
    const lookup = new KubeLookup(h.http);
    const validators: Record<string, ((i: ValidateInput) => Promise<unknown[]>) | undefined> = {
      AIModel: validateAIModel,
      Assistant: validateAssistant,
      ChaosPolicy: validateChaosPolicy,
      ChatRegion: validateChatRegion,
      Tenant: validateTenant,
    };
    const policy = {
      ...TEST_POLICY,
      chaos: { ...TEST_POLICY.chaos, killSwitchNamespace: h.systemNamespace },
    };
    const admitted = outcomes.filter(
      (o): o is Outcome & { res: { ok: true; object: Obj } } => o.res.ok,
    );
    const stats: Record<string, { sent: number; admitted: number }> = {};
    for (const o of outcomes) {
      const s = (stats[o.kind] ??= { sent: 0, admitted: 0 });
      s.sent++;
      if (o.res.ok) s.admitted++;
    }
    t.diagnostic(`admitted per kind: ${JSON.stringify(stats)}`);
    const reasons = new Map<string, number>();
    for (const o of outcomes) {
      if (o.res.ok) continue;
      const by = /admission webhook "([^"]+)"/.exec(o.res.message)?.[1] ?? "schema/CEL";
      const key = `${o.kind} ← ${by}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    if (process.env["FUZZ_DEBUG"] !== undefined)
      for (const o of outcomes.filter((x) => !x.res.ok).slice(0, 40))
        t.diagnostic(`${o.kind}: ${o.res.ok ? "" : o.res.message.slice(0, 200)}`);
    t.diagnostic(`denials by source: ${JSON.stringify(Object.fromEntries([...reasons].sort()))}`);
    const violations = await pool(admitted, PARALLEL, async (o) => {
      const stored = o.res.object;
      const meta = stored["metadata"] as { namespace?: string };
      const v = validators[o.kind];
      const found =
        v === undefined
          ? []
          : await v({
              operation: "CREATE",
              object: stored,
              oldObject: null,
              namespace: meta.namespace ?? "",
              lookup,
              policy,
              signal: AbortSignal.timeout(5000),
            });
      const defaults =
        o.kind === "AIModel"
          ? defaultAIModel({ operation: "CREATE", object: stored, oldObject: null })
          : [];
      // Warnings (references not resolved yet) are admitted by design.
      const denials = (found as { warning?: boolean }[]).filter((x) => x.warning !== true);
      return denials.length + defaults.length > 0
        ? `${o.kind} ${JSON.stringify(stored["spec"]).slice(0, 300)} → ${JSON.stringify([...denials, ...defaults])}`
        : undefined;
    });
    assert.deepEqual(violations.filter((x) => x !== undefined).slice(0, 10), []);
    // Each kind got both admissions and denials, so the fuzzer explores both sides.
    for (const [kind, s] of Object.entries(stats))
      assert.ok(s.admitted > 0 && s.admitted < s.sent, `${kind}: ${s.admitted}/${s.sent} admitted`);
  });
});
