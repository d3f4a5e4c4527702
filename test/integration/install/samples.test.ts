/**
 * The samples apply as one set, in any order, on a cluster running the operator (all controllers,
 * admission webhooks registered at 127.0.0.1), as a GitOps tool applies a repository: Namespaces
 * first (kustomize and Argo CD order them so), then every custom resource in an order that puts
 * each reference before its target (an Assistant before its AIModels, a ChatRegion whose fallback
 * never comes). Nothing is rejected; what does not resolve is a condition: the ChatRegions report
 * their missing Secrets, the Tenant reports its missing Keycloak credentials and adopts the
 * Namespaces its label claims. A second apply of the whole set with kubectl's own field manager,
 * after the controllers have written, must not conflict.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAllDocuments, stringify } from "yaml";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import type { ChatRegion } from "../../../crds/chatregion/v1alpha1/index.ts";
import { installCrds } from "../../helpers/crds.ts";
import { startOperator } from "../../helpers/operator.ts";
import { createTestNamespace, kubectl, kubectlOk, testEnv } from "../../helpers/testenv.ts";
import { waitFor } from "./local-pod.ts";
import { kustomize } from "./render.ts";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

const env = testEnv();
const SAMPLE_NAMESPACES = ["acme-chat", "acme-models"];

const doc = (o: Obj): string => `---\n${stringify(o)}`;
const label = (o: Obj): string => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;

async function getJson<T>(args: string[]): Promise<T | undefined> {
  const r = await kubectl(["get", ...args, "-o", "json"]);
  return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
}

test("the samples apply as one set, in any order, and unresolved references become conditions", async (t) => {
  // Another file may have applied and deleted the samples: start from their absence.
  await waitFor("sample namespaces absent", 120_000, async () => {
    const r = await kubectl([
      "get",
      "namespace",
      ...SAMPLE_NAMESPACES,
      "--ignore-not-found",
      "-o",
      "name",
    ]);
    return r.code === 0 && r.stdout.trim() === "" ? true : undefined;
  });
  await installCrds(env.kubeConfig);
  const sys = await createTestNamespace("samples-sys", t);
  const op = await startOperator({
    kubeconfig: env.kubeconfigPath,
    args: ["--leader-elect=false", "--webhooks=local"],
    env: { POD_NAMESPACE: sys.name, KEYCLOAK_URL: env.keycloakUrl },
  });
  t.after(() => op.stop());

  const objects = parseAllDocuments(await kustomize("manifests/samples"))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
  t.after(async () => {
    // The Tenant retains its namespaces (deletionPolicy Retain): delete them explicitly.
    await kubectl(
      ["delete", "--ignore-not-found", "--wait=false", "-f", "-"],
      objects.map(doc).join(""),
    );
    await kubectl([
      "delete",
      "namespace",
      "--ignore-not-found",
      "--wait=false",
      ...SAMPLE_NAMESPACES,
    ]);
  });
  const namespaces = objects.filter((o) => o.kind === "Namespace");
  assert.deepEqual(
    namespaces.map((o) => o.metadata.name),
    SAMPLE_NAMESPACES,
    "kustomize puts the Namespaces first",
  );
  assert.equal(objects.indexOf(namespaces[1]!), 1);

  // References before their targets: reverse order, so Assistants precede AIModels, ChatRegions
  // precede the Tenant, and the Tenant comes last. One object per apply, as a slow sync would.
  const rest = objects.filter((o) => o.kind !== "Namespace").reverse();
  for (const o of [...namespaces, ...rest]) {
    const r = await kubectl(["apply", "--server-side", "-f", "-"], doc(o));
    assert.equal(r.code, 0, `${label(o)} refused: ${r.stderr}`);
  }

  // What does not resolve is reported, not rejected.
  const region = await waitFor(
    "ChatRegion eu-west reports its missing Secrets",
    60_000,
    async () => {
      const r = await getJson<ChatRegion>(["chatregion", "-n", "acme-chat", "eu-west"]);
      const ready = r?.status?.conditions?.find((c) => c.type === "Ready");
      return ready?.reason === "SecretMissing" ? r : undefined;
    },
  );
  const ready = region?.status?.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready?.status, "False");
  assert.match(ready?.message ?? "", /eu-postgres/);
  assert.equal(region?.status?.observedGeneration, region?.metadata.generation);

  const tenant = await waitFor("Tenant acme adopts its namespaces", 60_000, async () => {
    const x = await getJson<Tenant>(["tenant", "acme"]);
    const ns = x?.status?.namespaces ?? [];
    return ns.length === 2 && ns.every((n) => n.ready) ? x : undefined;
  });
  assert.equal(
    tenant?.status?.conditions?.find((c) => c.type === "NamespacesReady")?.status,
    "True",
  );
  assert.equal(
    tenant?.status?.conditions?.find((c) => c.type === "IdentityReady")?.status,
    "False",
  );
  for (const name of SAMPLE_NAMESPACES) {
    const ns = await getJson<{ metadata: { ownerReferences?: { kind: string; uid: string }[] } }>([
      "namespace",
      name,
    ]);
    assert.equal(ns?.metadata.ownerReferences?.[0]?.uid, tenant?.metadata.uid, `${name} adopted`);
  }

  // The whole set again, in one apply with kubectl's default field manager, after the
  // controllers and webhooks have written: no conflict, nothing refused.
  const again = await kubectl(["apply", "--server-side", "-f", "-"], objects.map(doc).join(""));
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout + again.stderr, /conflict/i);
  await kubectlOk([
    "get",
    "aimodel,assistant,chatregion,chaospolicy",
    "-n",
    "acme-chat",
    "-o",
    "name",
  ]);
});
