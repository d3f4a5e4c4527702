/**
 * The Helm chart and the kustomize bundle install the same objects, whole and per operator; each
 * operator variant binds only its own ClusterRole to its own ServiceAccount; and every workload they
 * ship is hardened (non-root, read-only root filesystem, no capabilities,
 * RuntimeDefault seccomp). Renders with the real `kubectl kustomize` and Helm v4 `helm template`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { helmTemplate, kustomize, toBundle } from "./render.ts";
import type { Bundle, KubeObject } from "./render.ts";
import { OPERATORS } from "../../../hack/generate/install.ts";
import { validateRoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { gatewayConfigModule } from "../../../controllers/gateway-config/module.ts";
import {
  CONFIG_KEY,
  CONFIGMAP_NAME,
} from "../../../controllers/gateway-config/desired/configmap.ts";
import { CREDENTIALS_SECRET } from "../../../controllers/gateway-config/desired/secrets.ts";

function assertSameBundle(helmOut: Bundle, kustomizeOut: Bundle, what: string): void {
  assert.deepEqual(
    [...helmOut.keys()].sort(),
    [...kustomizeOut.keys()].sort(),
    `${what}: same objects`,
  );
  for (const [k, o] of kustomizeOut) assert.deepEqual(helmOut.get(k), o, `${what}: ${k}`);
}

interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  containers: {
    name: string;
    args?: string[];
    securityContext?: {
      readOnlyRootFilesystem?: boolean;
      allowPrivilegeEscalation?: boolean;
      capabilities?: { drop?: string[] };
    };
  }[];
}
type Deployment = KubeObject & {
  spec: { selector: { matchLabels: Record<string, string> }; template: { spec: PodSpec } };
};

function deployments(b: Bundle): Deployment[] {
  return [...b.values()].filter((o) => o.kind === "Deployment") as Deployment[];
}

test("helm template (defaults) and kubectl kustomize manifests/default give the same objects", async () => {
  const [h, k] = await Promise.all([
    helmTemplate(["createNamespace=true"]),
    kustomize("manifests/default"),
  ]);
  const hb = toBundle(h);
  const kb = toBundle(k);
  assertSameBundle(hb, kb, "default");
  const kinds = new Set([...kb.values()].map((o) => o.kind));
  for (const kind of [
    "CustomResourceDefinition",
    "Namespace",
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Deployment",
    "Service",
    "PodDisruptionBudget",
    "ConfigMap",
    "NetworkPolicy",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
  ]) {
    assert.ok(kinds.has(kind), `bundle has a ${kind}`);
  }
  assert.equal([...kb.values()].filter((o) => o.kind === "CustomResourceDefinition").length, 5);
});

for (const [op, variant] of Object.entries(OPERATORS)) {
  test(`operator "${op}": helm --set operators={${op}} and manifests/operators/${op} agree; it runs --controllers=${variant.controllers.join(",")}`, async () => {
    const [h, k] = await Promise.all([
      helmTemplate(["createNamespace=true", `operators={${op}}`]),
      kustomize(`manifests/operators/${op}`),
    ]);
    const kb = toBundle(k);
    assertSameBundle(toBundle(h), kb, op);
    const deps = deployments(kb);
    const operatorDeps = deps.filter(
      (d) => d.metadata.labels?.["app.kubernetes.io/name"] === "librechat-operators",
    );
    assert.deepEqual(
      operatorDeps.map((d) => d.metadata.name),
      [`librechat-${op}-operator`],
    );
    assert.ok(
      operatorDeps[0]!.spec.template.spec.containers[0]!.args!.includes(
        `--controllers=${variant.controllers.join(",")}`,
      ),
    );
    assert.equal(
      deps.some((d) => d.metadata.name === "inference-gateway"),
      op === "inference",
      "the gateway comes with inference only",
    );
    assertBindsOnly(kb, variant.serviceAccount, `librechat-${op}-operator`);
    assert.equal(
      (operatorDeps[0]!.spec.template.spec as { serviceAccountName?: string }).serviceAccountName,
      variant.serviceAccount,
    );
  });
}

type Binding = KubeObject & {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace: string }[];
};

/**
 * Least privilege (issue 11): the ClusterRoleBindings of `b` that bind `serviceAccount` refer to
 * its own ClusterRole and the shared webhook role only, and nothing binds the combined role.
 */
function assertBindsOnly(b: Bundle, serviceAccount: string, clusterRole: string): void {
  const bindings = [...b.values()].filter(
    (o): o is Binding => o.kind === "ClusterRoleBinding" || o.kind === "RoleBinding",
  );
  const mine = bindings.filter((o) => o.subjects.some((s) => s.name === serviceAccount));
  assert.deepEqual(
    mine
      .filter((o) => o.kind === "ClusterRoleBinding")
      .map((o) => o.roleRef.name)
      .sort(),
    [clusterRole, "librechat-operators-webhook"],
    `${serviceAccount}: its own ClusterRole and the webhook role`,
  );
  for (const o of mine) {
    assert.deepEqual(
      o.subjects.map((s) => `${s.kind} ${s.namespace}/${s.name}`),
      [`ServiceAccount librechat-system/${serviceAccount}`],
      `${o.kind} ${o.metadata.name} binds no one else`,
    );
  }
  assert.ok(
    !bindings.some((o) => o.roleRef.name === "librechat-operators"),
    "the combined ClusterRole is bound by manifests/default only",
  );
}

test("every operator from the chart gets its own Deployment, with a selector disjoint from the others'", async () => {
  const ops = Object.keys(OPERATORS);
  const b = toBundle(await helmTemplate([`operators={${ops.join(",")}}`]));
  const ds = deployments(b).filter((d) => d.metadata.name.endsWith("-operator"));
  assert.deepEqual(
    ds.map((d) => d.metadata.name).sort(),
    ops.map((op) => `librechat-${op}-operator`).sort(),
  );
  const selectors = new Set(ds.map((d) => JSON.stringify(d.spec.selector.matchLabels)));
  assert.equal(selectors.size, ds.length, "each operator's selector is its own");
  // In one release too, each operator runs as its own ServiceAccount with only its own role.
  for (const [op, v] of Object.entries(OPERATORS)) {
    assertBindsOnly(b, v.serviceAccount, `librechat-${op}-operator`);
  }
  assert.equal(
    [...b.values()].filter((o) => o.metadata.name === "librechat-tenant-admin").length,
    1,
    "the tenant-admin role once, with identity",
  );
  assert.ok(
    ![...b.values()].some((o) => o.kind === "Namespace"),
    "no Namespace unless createNamespace",
  );
});

test("tracing.otlpEndpoint turns traces on in the inference gateway and in the chat operator's fleets", async () => {
  type Env = { name: string; value?: string }[];
  const envOf = (b: Bundle, name: string): Env => {
    const d = deployments(b).find((x) => x.metadata.name === name);
    assert.ok(d !== undefined, `Deployment ${name} rendered`);
    return (d.spec.template.spec.containers[0] as { env?: Env }).env ?? [];
  };
  const value = (env: Env, name: string) => env.find((e) => e.name === name)?.value;
  const url = "http://otel-collector.observability:4318";
  const on = toBundle(await helmTemplate([`tracing.otlpEndpoint=${url}`]));
  assert.equal(value(envOf(on, "inference-gateway"), "OTEL_EXPORTER_OTLP_ENDPOINT"), url);
  assert.equal(value(envOf(on, "librechat-operators"), "CHATREGION_OTLP_ENDPOINT"), url);
  const split = toBundle(
    await helmTemplate([`tracing.otlpEndpoint=${url}`, "operators={chat,inference}"]),
  );
  assert.equal(value(envOf(split, "librechat-chat-operator"), "CHATREGION_OTLP_ENDPOINT"), url);
  assert.equal(value(envOf(split, "inference-gateway"), "OTEL_EXPORTER_OTLP_ENDPOINT"), url);
  assert.equal(
    value(envOf(split, "librechat-inference-operator"), "CHATREGION_OTLP_ENDPOINT"),
    undefined,
    "only the operator that renders chat fleets gets it",
  );
  // Unset (the default), nothing is added: the defaults test compares the rest with kustomize.
  const off = toBundle(await helmTemplate([]));
  assert.equal(value(envOf(off, "inference-gateway"), "OTEL_EXPORTER_OTLP_ENDPOINT"), undefined);
  assert.equal(value(envOf(off, "librechat-operators"), "CHATREGION_OTLP_ENDPOINT"), undefined);
});

test("every shipped Deployment is non-root, read-only, capability-free and RuntimeDefault-confined", async () => {
  const b = toBundle(await helmTemplate([`operators={${Object.keys(OPERATORS).join(",")}}`]));
  const all = [...deployments(b), ...deployments(toBundle(await kustomize("manifests/default")))];
  // manager + inference gateway from the default, one Deployment per operator (+ its workloads).
  assert.ok(all.length >= 2 + Object.keys(OPERATORS).length);
  for (const d of all) {
    const pod = d.spec.template.spec;
    assert.equal(pod.securityContext?.runAsNonRoot, true, d.metadata.name);
    assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault", d.metadata.name);
    for (const c of pod.containers) {
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${d.metadata.name}/${c.name}`);
      assert.equal(
        c.securityContext?.allowPrivilegeEscalation,
        false,
        `${d.metadata.name}/${c.name}`,
      );
      assert.deepEqual(
        c.securityContext?.capabilities?.drop,
        ["ALL"],
        `${d.metadata.name}/${c.name}`,
      );
    }
  }
});

test("the shipped routing ConfigMap is a valid inference-gateway routing config", async () => {
  const b = toBundle(await kustomize("manifests/default"));
  const cm = b.get("v1 ConfigMap librechat-system/inference-gateway-routing") as
    (KubeObject & { data: Record<string, string> }) | undefined;
  assert.ok(cm);
  const r = validateRoutingConfig(JSON.parse(cm.data["routing.json"]!));
  assert.deepEqual(r.ok ? [] : r.errors, []);
});

test("the shipped gateway mounts what gateway-config writes: routing ConfigMap, its key, the credentials Secret and directory", async () => {
  const b = toBundle(await kustomize("manifests/default"));
  const d = b.get("apps/v1 Deployment librechat-system/inference-gateway") as
    Deployment | undefined;
  assert.ok(d);
  const pod = d.spec.template.spec as PodSpec & {
    volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
  };
  const c = pod.containers[0] as {
    env?: { name: string; value?: string }[];
    volumeMounts?: { name: string; mountPath: string }[];
  };
  const mountOf = (volume: string): string | undefined =>
    c.volumeMounts?.find((m) => m.name === volume)?.mountPath;
  const routing = pod.volumes?.find((v) => v.configMap?.name === CONFIGMAP_NAME);
  assert.ok(routing, `a volume from ConfigMap ${CONFIGMAP_NAME}`);
  const configFile = c.env?.find((e) => e.name === "GATEWAY_CONFIG")?.value;
  assert.equal(configFile, `${mountOf(routing.name) ?? ""}/${CONFIG_KEY}`);
  const creds = pod.volumes?.find((v) => v.secret?.secretName === CREDENTIALS_SECRET);
  assert.ok(creds, `a volume from Secret ${CREDENTIALS_SECRET}`);
  assert.equal(
    mountOf(creds.name),
    gatewayConfigModule.flags?.["gateway-credentials-dir"]?.default,
  );
});
