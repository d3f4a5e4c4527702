// Table tests of the gateway Deployment builder, and its env parsed by the chat gateway's own
// contract (parseChatGatewayEnv): what the controller renders is what the gateway accepts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1EnvVar } from "@kubernetes/client-node";
import {
  ChatGatewayEnvSchema,
  parseChatGatewayEnv,
} from "../../../workloads/chat-gateway/src/config.ts";
import { chatRegion } from "../fixtures.test-helpers.ts";
import { desiredDeployment, gatewayEnv, initialReplicas } from "./deployment.ts";
import { DEFAULT_CONFIG } from "./meta.ts";

const issuers = [
  { issuer: "https://kc.example/realms/acme", tenant: "acme", audience: "chat-gateway" },
];
const build = (r = chatRegion("eu-west"), replicas = 3) =>
  desiredDeployment({ region: r, replicas, issuers, config: DEFAULT_CONFIG });

function envMap(env: V1EnvVar[]): Record<string, V1EnvVar> {
  return Object.fromEntries(env.map((e) => [e.name, e]));
}

test("Deployment: owned by the ChatRegion, app.kubernetes.io labels, selector matches the pod labels", () => {
  const d = build();
  assert.deepEqual(d.metadata?.ownerReferences?.[0], {
    apiVersion: "librechat.io/v1alpha1",
    kind: "ChatRegion",
    name: "eu-west",
    uid: "uid-eu-west",
    controller: true,
    blockOwnerDeletion: true,
  });
  const labels = d.spec?.template.metadata?.labels ?? {};
  assert.equal(labels["app.kubernetes.io/name"], "chat-gateway");
  assert.equal(labels["app.kubernetes.io/managed-by"], "librechat-operator");
  assert.equal(labels["app.kubernetes.io/instance"], "eu-west");
  for (const [k, v] of Object.entries(d.spec?.selector.matchLabels ?? {}))
    assert.equal(labels[k], v);
  assert.equal(d.spec?.replicas, 3);
});

const cases: {
  name: string;
  region: ReturnType<typeof chatRegion>;
  check: (d: ReturnType<typeof build>) => void;
}[] = [
  {
    name: "image defaults to the operator's",
    region: chatRegion("a"),
    check: (d) => {
      assert.equal(d.spec?.template.spec?.containers[0]?.image, DEFAULT_CONFIG.defaultImage);
    },
  },
  {
    name: "image from the spec",
    region: chatRegion("a", { image: "registry.example/chat:1.2" }),
    check: (d) => {
      assert.equal(d.spec?.template.spec?.containers[0]?.image, "registry.example/chat:1.2");
    },
  },
  {
    name: "drain settings become preStop sleep, grace period and the gateway's drain timeout",
    region: chatRegion("a", {
      drain: { preStopSeconds: 7, terminationGracePeriodSeconds: 900, maxDrainSeconds: 800 },
    }),
    check: (d) => {
      const spec = d.spec?.template.spec;
      assert.equal(spec?.terminationGracePeriodSeconds, 900);
      assert.deepEqual(spec?.containers[0]?.lifecycle, { preStop: { sleep: { seconds: 7 } } });
      assert.equal(
        envMap(spec?.containers[0]?.env ?? [])["CHAT_DRAIN_TIMEOUT_MS"]?.value,
        "800000",
      );
    },
  },
  {
    name: "no preStop hook at preStopSeconds 0",
    region: chatRegion("a", { drain: { preStopSeconds: 0 } }),
    check: (d) => {
      assert.equal(d.spec?.template.spec?.containers[0]?.lifecycle, undefined);
    },
  },
  {
    name: "probes on /readyz and /healthz",
    region: chatRegion("a"),
    check: (d) => {
      const c = d.spec?.template.spec?.containers[0];
      assert.equal(c?.readinessProbe?.httpGet?.path, "/readyz");
      assert.equal(c?.livenessProbe?.httpGet?.path, "/healthz");
    },
  },
  {
    name: "placement copied to the pod",
    region: chatRegion("a", {
      placement: {
        nodeSelector: { pool: "eu" },
        tolerations: [{ key: "chat", operator: "Exists", effect: "NoSchedule" }],
      },
    }),
    check: (d) => {
      assert.deepEqual(d.spec?.template.spec?.nodeSelector, { pool: "eu" });
      assert.deepEqual(d.spec?.template.spec?.tolerations, [
        { key: "chat", operator: "Exists", effect: "NoSchedule" },
      ]);
    },
  },
  {
    name: "regions ConfigMap mounted where CHAT_REGIONS_FILE points",
    region: chatRegion("a"),
    check: (d) => {
      const spec = d.spec?.template.spec;
      assert.equal(spec?.volumes?.[0]?.configMap?.name, "a-regions");
      const mount = spec?.containers[0]?.volumeMounts?.[0]?.mountPath;
      assert.equal(
        envMap(spec?.containers[0]?.env ?? [])["CHAT_REGIONS_FILE"]?.value,
        `${mount ?? ""}/regions.json`,
      );
    },
  },
];
for (const c of cases)
  test(`Deployment: ${c.name}`, () => {
    c.check(build(c.region));
  });

test("env: secrets by reference only, issuers of the tenant, sorted", () => {
  const env = gatewayEnv({
    region: chatRegion("eu-west", { models: ["llama"] }),
    replicas: 2,
    issuers,
    config: { ...DEFAULT_CONFIG, inferenceUrl: "http://inference:8080" },
  });
  const m = envMap(env);
  assert.deepEqual(m["DATABASE_URL"]?.valueFrom?.secretKeyRef, { name: "eu-postgres", key: "url" });
  assert.deepEqual(m["CHAT_APP_DB_PASSWORD"]?.valueFrom?.secretKeyRef, {
    name: "eu-postgres",
    key: "appPassword",
  });
  assert.deepEqual(m["REDIS_URL"]?.valueFrom?.secretKeyRef, { name: "eu-redis", key: "url" });
  assert.equal(m["DATABASE_URL"]?.value, undefined);
  assert.deepEqual(JSON.parse(m["CHAT_OIDC_ISSUERS"]?.value ?? ""), issuers);
  assert.equal(m["INFERENCE_URL"]?.value, "http://inference:8080");
  assert.equal(m["CHAT_DEFAULT_MODEL"]?.value, "llama");
  assert.deepEqual(
    env.map((e) => e.name),
    [...env.map((e) => e.name)].sort(),
  );
});

// The contract (workloads publish contracts): what the controller renders is parsed by the chat
// gateway's own env parser, after resolving references the way the kubelet would.
function resolve(env: V1EnvVar[], secrets: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const ref = e.valueFrom?.secretKeyRef;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (e.value !== undefined) out[e.name] = e.value;
    else if (ref !== undefined) out[e.name] = secrets[`${ref.name ?? ""}/${ref.key}`] ?? "";
    else if (field === "status.podIP") out[e.name] = "10.0.0.7";
    else if (field === "metadata.name") out[e.name] = "eu-west-abc";
  }
  return out;
}

const SECRETS = {
  "eu-postgres/url": "postgres://admin:pw@db:5432/chat",
  "eu-postgres/appPassword": "app-pw",
  "eu-redis/url": "redis://redis:6379",
  "inference-gateway-api-key/api-key": "sk-tenant",
};

test("env: the gateway's own parser (parseChatGatewayEnv) accepts what the controller renders", () => {
  const region = chatRegion("eu-west", {
    drain: { preStopSeconds: 5, terminationGracePeriodSeconds: 400, maxDrainSeconds: 300 },
  });
  const rendered = gatewayEnv({
    region,
    replicas: 2,
    issuers,
    config: {
      ...DEFAULT_CONFIG,
      inferenceUrl: "http://inference:8080",
      otlpEndpoint: "http://otel-collector.observability:4318",
    },
  });
  const r = parseChatGatewayEnv(resolve(rendered, SECRETS));
  assert.ok(r.ok, JSON.stringify(r));
  const cfg = r.config;
  assert.equal(cfg.port, 8090);
  assert.equal(cfg.host, "10.0.0.7");
  assert.equal(cfg.replicaId, "eu-west-abc");
  assert.equal(cfg.drainTimeoutMs, 300_000);
  assert.deepEqual(cfg.issuers, issuers);
  assert.equal(cfg.databaseUrl, SECRETS["eu-postgres/url"]);
  assert.equal(cfg.appDbPassword, "app-pw");
  assert.equal(cfg.redisUrl, SECRETS["eu-redis/url"]);
  assert.equal(cfg.inferenceUrl, "http://inference:8080");
  assert.equal(cfg.inferenceApiKey, "sk-tenant");
  assert.equal(cfg.regionsFile, "/etc/chat-gateway/regions/regions.json");
  assert.deepEqual(cfg.tracing, {
    tracesUrl: "http://otel-collector.observability:4318/v1/traces",
    serviceName: "chat-gateway",
  });
  // Every rendered variable is one the gateway's schema knows (NODE_OPTIONS is Node's own).
  const known = new Set([...Object.keys(ChatGatewayEnvSchema.properties), "NODE_OPTIONS"]);
  assert.deepEqual(
    rendered.map((e) => e.name).filter((n) => !known.has(n)),
    [],
  );
});

test("env: tracing is off unless the operator has an OTLP endpoint", () => {
  const region = chatRegion("eu-west");
  const off = envMap(gatewayEnv({ region, replicas: 1, issuers, config: DEFAULT_CONFIG }));
  assert.equal(off["OTEL_EXPORTER_OTLP_ENDPOINT"], undefined);
  const config = { ...DEFAULT_CONFIG, otlpEndpoint: "http://collector:4318" };
  const on = envMap(gatewayEnv({ region, replicas: 1, issuers, config }));
  assert.equal(on["OTEL_EXPORTER_OTLP_ENDPOINT"]?.value, "http://collector:4318");
});

test("env: the app role's password comes from spec.database.appPasswordSecretRef when set", () => {
  const region = chatRegion("eu-west");
  region.spec.database.appPasswordSecretRef = { name: "app-db", key: "pw" };
  const m = envMap(gatewayEnv({ region, replicas: 1, issuers, config: DEFAULT_CONFIG }));
  assert.deepEqual(m["CHAT_APP_DB_PASSWORD"]?.valueFrom?.secretKeyRef, {
    name: "app-db",
    key: "pw",
  });
  assert.equal(m["CHAT_APP_DB_PASSWORD"]?.value, undefined);
});

test("env: without the app role's password the gateway's parser names the variable", () => {
  const rendered = gatewayEnv({
    region: chatRegion("eu-west"),
    replicas: 2,
    issuers,
    config: DEFAULT_CONFIG,
  });
  const r = parseChatGatewayEnv(
    resolve(
      rendered.filter((e) => e.name !== "CHAT_APP_DB_PASSWORD"),
      SECRETS,
    ),
  );
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors.map((e) => e.variable), ["CHAT_APP_DB_PASSWORD"]);
});

test("Deployment is deterministic", () => {
  const r = chatRegion("eu-west", { models: ["b", "a"] });
  assert.equal(JSON.stringify(build(r)), JSON.stringify(build(structuredClone(r))));
});

const initialCases = [
  { name: "spec replicas", fleet: { replicas: 3, minReplicas: 1, maxReplicas: 5 }, want: 3 },
  { name: "raised to min", fleet: { replicas: 1, minReplicas: 2, maxReplicas: 5 }, want: 2 },
  { name: "lowered to max", fleet: { replicas: 9, minReplicas: 1, maxReplicas: 5 }, want: 5 },
];
for (const c of initialCases) {
  test(`initialReplicas: ${c.name}`, () => {
    assert.equal(initialReplicas(chatRegion("a", { fleet: c.fleet })), c.want);
  });
}

test("env: the web client, parsed by the gateway: realm from the Tenant, fleet endpoints, spec models", () => {
  const region = chatRegion("eu-west", { models: ["gpt", "llama"] });
  const rendered = gatewayEnv({
    region,
    replicas: 2,
    issuers,
    config: DEFAULT_CONFIG,
    webEndpoints: ["https://eu-west.example", "https://eu-north.example"],
  });
  const r = parseChatGatewayEnv(resolve(rendered, SECRETS));
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.config.web, {
    dir: "workloads/chat-web/dist",
    issuer: "https://kc.example/realms/acme",
    clientId: "chat-web",
    endpoints: ["https://eu-west.example", "https://eu-north.example"],
    models: ["gpt", "llama"],
    defaultModel: "gpt",
  });
});

const webOffCases: { name: string; input: Parameters<typeof gatewayEnv>[0] }[] = [
  {
    name: "no Tenant realm (the gateway would refuse to start with a client and no realm)",
    input: { region: chatRegion("a"), replicas: 1, issuers: [], config: DEFAULT_CONFIG },
  },
  {
    name: "the operator has no client directory (--chatregion-web-dir='')",
    input: {
      region: chatRegion("a"),
      replicas: 1,
      issuers,
      config: { ...DEFAULT_CONFIG, webDir: "" },
    },
  },
];
for (const c of webOffCases) {
  test(`env: no web client when ${c.name}`, () => {
    const names = gatewayEnv(c.input).map((e) => e.name);
    assert.deepEqual(
      names.filter((n) => n.startsWith("CHAT_WEB_")),
      [],
    );
  });
}

test("env: no endpoints and no models leave the page on its own origin and the default model", () => {
  const m = envMap(
    gatewayEnv({ region: chatRegion("a"), replicas: 1, issuers, config: DEFAULT_CONFIG }),
  );
  assert.equal(m["CHAT_WEB_DIR"]?.value, "workloads/chat-web/dist");
  assert.equal(m["CHAT_WEB_ENDPOINTS"], undefined);
  assert.equal(m["CHAT_WEB_MODELS"], undefined);
});
