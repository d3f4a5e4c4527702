// The generated CRDs, installed into the real kube-apiserver: every valid/invalid case of
// crds/<kind>/v1alpha1/cases.ts behaves as its table says (schema + CEL, message names the field),
// every sample applies with `kubectl apply --server-side`, `kubectl explain` shows descriptions and
// `kubectl get librechat` lists every kind. No webhooks are registered here.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { KubeApiError, KubeHttp } from "../../../operators/clients/http.ts";
import { KINDS } from "../../../crds/registry.ts";
import { validateObject } from "../../../crds/validate.ts";
import type { KindDefinition } from "../../../crds/registry.ts";
import type { InvalidCase, ValidCase } from "../../../crds/shared/cases.ts";
import { installCrds } from "../../helpers/crds.ts";
import { createObject, testKubeConfig, timedWrite } from "../webhooks/harness.ts";
import type { CreateResult } from "../webhooks/harness.ts";
import { aimodel, assistant, chaosPolicy, chatRegion, tenant } from "../webhooks/fixtures.ts";

const ROOT = join(import.meta.dirname, "../../..");
const run = promisify(execFile);
const runId = randomBytes(4).toString("hex");
const kc = testKubeConfig();
const http = new KubeHttp(kc);
const createdNamespaces: string[] = [];
let ns = "";

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const bin =
    process.env["TESTENV_BIN"] !== undefined
      ? join(process.env["TESTENV_BIN"], "kubectl")
      : "kubectl";
  return run(bin, args, { env: process.env, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
}

async function ensureNamespace(name: string): Promise<void> {
  try {
    await http.request({
      method: "POST",
      path: "/api/v1/namespaces",
      body: {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: { "cel.test.librechat.io/run": runId } },
      },
    });
    createdNamespaces.push(name);
  } catch (err: unknown) {
    if (!(err instanceof KubeApiError && err.code === 409)) throw err;
  }
}

interface Cases {
  validCases: readonly ValidCase[];
  invalidCases: readonly InvalidCase[];
}

async function casesOf(def: KindDefinition): Promise<Cases> {
  const path = join(ROOT, "crds", def.singular, def.version, "cases.ts");
  assert.ok(existsSync(path), `every kind has a case table: ${path} is missing`);
  const mod = (await import(path)) as Partial<Cases>;
  assert.ok(
    mod.validCases !== undefined && mod.invalidCases !== undefined,
    `${path} exports validCases and invalidCases`,
  );
  return { validCases: mod.validCases, invalidCases: mod.invalidCases };
}

/** The offline validator (librechatctl validate) on the same object the API server judged. */
function offlineErrors(def: KindDefinition, c: ValidCase): string[] {
  const opts = c.oldObject !== undefined ? { oldObject: place(def, c.oldObject) } : {};
  return validateObject(def, place(def, c.object), opts).map((e) => `${e.path}: ${e.message}`);
}

/**
 * Places a case object: namespaced kinds in the test namespace. Cluster-scoped objects keep their
 * name (CEL rules may depend on it, e.g. Tenant namespace prefixes); dry runs never persist them.
 */
function place(def: KindDefinition, obj: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(obj);
  const meta = { ...(copy["metadata"] as Record<string, unknown>) };
  if (def.scope === "Namespaced") meta["namespace"] = ns;
  copy["metadata"] = meta;
  return copy;
}

function objectPath(def: KindDefinition, obj: Record<string, unknown>): string {
  const name = (obj["metadata"] as { name: string }).name;
  return def.scope === "Namespaced"
    ? `/apis/${def.group}/${def.version}/namespaces/${ns}/${def.plural}/${name}`
    : `/apis/${def.group}/${def.version}/${def.plural}/${name}`;
}

/** Creates (dry run) or, for transition cases, creates `oldObject` and updates it to `object`. */
async function submit(def: KindDefinition, c: ValidCase): Promise<CreateResult> {
  if (c.oldObject === undefined) return createObject(http, place(def, c.object), true);
  const old = place(def, c.oldObject);
  const created = await createObject(http, old);
  assert.ok(
    created.ok,
    `creating oldObject of "${c.name}" failed: ${created.ok ? "" : created.message}`,
  );
  const next = place(def, c.object);
  (next["metadata"] as Record<string, unknown>)["resourceVersion"] = (
    created.object["metadata"] as { resourceVersion: string }
  ).resourceVersion;
  try {
    return await timedWrite(http, {
      method: "PUT",
      path: objectPath(def, next),
      body: next,
      query: { dryRun: "All" },
    });
  } finally {
    await http.request({ method: "DELETE", path: objectPath(def, old) }).catch(() => undefined);
  }
}

before(async () => {
  await installCrds(kc);
  ns = `cel-${runId}`;
  await ensureNamespace(ns);
});

after(async () => {
  await Promise.all(
    createdNamespaces.map((n) =>
      http.request({ method: "DELETE", path: `/api/v1/namespaces/${n}` }).catch(() => undefined),
    ),
  );
});

describe("CEL and schema rules in the real API server", () => {
  for (const def of KINDS) {
    it(`${def.kind}: every case of crds/${def.singular}/${def.version}/cases.ts`, async (t) => {
      const cases = await casesOf(def);
      assert.ok(cases.validCases.length > 0 && cases.invalidCases.length > 0);
      for (const c of cases.validCases) {
        await t.test(`valid: ${c.name}`, async () => {
          const res = await submit(def, c);
          assert.ok(res.ok, res.ok ? "" : `rejected: ${res.message}`);
          assert.deepEqual(offlineErrors(def, c), [], "librechatctl validate agrees: valid");
        });
      }
      for (const c of cases.invalidCases) {
        await t.test(`invalid: ${c.name}`, async () => {
          const res = await submit(def, c);
          assert.ok(!res.ok, "accepted an invalid object");
          const offline = offlineErrors(def, c);
          assert.ok(offline.length > 0, "librechatctl validate agrees: invalid");
          assert.ok(
            offline.some((e) => e.includes(c.expectMessageIncludes)),
            `offline errors lack "${c.expectMessageIncludes}": ${offline.join("; ")}`,
          );
          assert.ok(
            res.message.includes(c.expectMessageIncludes),
            `message lacks "${c.expectMessageIncludes}": ${res.message}`,
          );
          const named =
            res.message.includes(c.expectFieldPath) ||
            res.causes.some((x) => x.field === c.expectFieldPath);
          assert.ok(
            named,
            `field ${c.expectFieldPath} not named: ${res.message} ${JSON.stringify(res.causes)}`,
          );
        });
      }
    });
  }
});

describe("kubectl", () => {
  it("applies every sample with --server-side", async (t) => {
    const dir = join(ROOT, "manifests/samples");
    // kustomization.yaml is a kustomize input, not an API object.
    const files = (await readdir(dir))
      .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
      .sort();
    assert.ok(files.length > 0);
    for (const f of files) {
      const docs = parseAllDocuments(await readFile(join(dir, f), "utf8")).map(
        (d) => d.toJS() as { metadata?: { namespace?: string } } | null,
      );
      for (const d of docs)
        if (d?.metadata?.namespace !== undefined) await ensureNamespace(d.metadata.namespace);
    }
    for (const f of files) {
      await t.test(f, async () => {
        const { stdout } = await kubectl(
          "apply",
          "--server-side",
          "--field-manager=cel-test",
          "-f",
          join(dir, f),
        );
        assert.match(stdout, /serverside-applied/);
      });
    }
    for (const f of files)
      await kubectl("delete", "--ignore-not-found", "--wait=false", "-f", join(dir, f)).catch(
        () => undefined,
      );
  });

  it("explains every kind's spec with descriptions", async () => {
    for (const def of KINDS) {
      const { stdout } = await kubectl("explain", `${def.plural}.spec`);
      const flat = stdout.replace(/\s+/g, " ");
      const spec = (
        def.schema as {
          properties?: {
            spec?: { description?: string; properties?: Record<string, { description?: string }> };
          };
        }
      ).properties?.spec;
      assert.ok(
        spec?.description !== undefined,
        `${def.kind}.spec has no description in the schema`,
      );
      assert.ok(
        flat.includes(spec.description.replace(/\s+/g, " ")),
        `${def.kind}: spec description missing from kubectl explain`,
      );
      const fields = Object.entries(spec.properties ?? {}).slice(0, 3);
      for (const [name, field] of fields) {
        assert.ok(flat.includes(name), `${def.kind}: field ${name} missing`);
        const words = (field.description ?? "")
          .replace(/\s+/g, " ")
          .split(" ")
          .slice(0, 5)
          .join(" ");
        assert.ok(flat.includes(words), `${def.kind}.spec.${name}: description "${words}" missing`);
      }
    }
  });

  it("lists every kind under the librechat category", async () => {
    const { stdout } = await kubectl("api-resources", "--categories=librechat", "-o", "name");
    for (const def of KINDS)
      assert.ok(
        stdout.split("\n").includes(`${def.plural}.${def.group}`),
        `${def.plural} not in category librechat`,
      );
    // One object of each kind, then `kubectl get librechat` shows all five.
    const objects = [
      aimodel("llama", ns),
      assistant("helper", ns, { variants: [{ version: "v1", weight: 100 }] }),
      chatRegion("eu-west", ns, "eu"),
      chaosPolicy("chaos", ns),
      tenant(`t-${runId}`),
    ];
    for (const o of objects) {
      const res = await createObject(http, o);
      assert.ok(res.ok, res.ok ? "" : res.message);
    }
    try {
      const { stdout: got } = await kubectl("get", "librechat", "-n", ns, "-o", "name");
      const kinds = new Set(got.split("\n").map((l) => l.split("/")[0]));
      for (const def of KINDS)
        assert.ok(
          kinds.has(`${def.singular}.${def.group}`),
          `${def.kind} missing from kubectl get librechat: ${got}`,
        );
    } finally {
      await http
        .request({ method: "DELETE", path: `/apis/librechat.io/v1alpha1/tenants/t-${runId}` })
        .catch(() => undefined);
    }
  });
});
