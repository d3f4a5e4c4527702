// Tests of webhook certificate rotation: self-managed Secret, cert-manager mode, caBundle sync.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { pino } from "pino";
import { CertRotator } from "./cert-rotator.ts";
import type { CertBundle } from "./certs.ts";
import { splitPem } from "./certs.ts";
import { caBundlePatch } from "./ca-bundle.ts";
import type { KubeTransport, TransportRequest } from "./kube.ts";

const HOUR = 3_600_000;

class ApiError extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`HTTP ${code}`);
    this.code = code;
  }
}

/** Just enough API server for Secrets and the two webhook configurations. */
class FakeApi implements KubeTransport {
  readonly objects = new Map<string, Record<string, unknown>>();
  readonly log: string[] = [];
  rv = 1;
  /** Runs before a write is applied (simulates a concurrent writer). */
  beforeWrite: (() => void) | undefined;

  constructor(withConfigs = true) {
    if (!withConfigs) return;
    for (const kind of ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]) {
      this.objects.set(`/apis/admissionregistration.k8s.io/v1/${kind}/cfg`, {
        metadata: { name: "cfg", resourceVersion: "1" },
        webhooks: [{ name: "a.librechat.io", clientConfig: { url: "https://127.0.0.1:1/a" } }],
      });
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- implements KubeTransport
  request<T>(req: TransportRequest): Promise<{ status: number; body: T }> {
    this.log.push(`${req.method} ${req.path}`);
    const obj = this.objects.get(req.path);
    if (req.method === "GET") {
      if (obj === undefined) return Promise.reject(new ApiError(404));
      return Promise.resolve({ status: 200, body: structuredClone(obj) as T });
    }
    this.beforeWrite?.();
    if (req.method === "POST") {
      const body = structuredClone(req.body) as { metadata: { name: string } };
      const path = `${req.path}/${body.metadata.name}`;
      if (this.objects.has(path)) return Promise.reject(new ApiError(409));
      this.objects.set(path, {
        ...body,
        metadata: { ...body.metadata, resourceVersion: String(++this.rv) },
      });
      return Promise.resolve({ status: 201, body: body as T });
    }
    if (req.method === "PUT") {
      const body = structuredClone(req.body) as { metadata: { resourceVersion?: string } };
      const current = obj as { metadata: { resourceVersion?: string } } | undefined;
      if (current?.metadata.resourceVersion !== body.metadata.resourceVersion)
        return Promise.reject(new ApiError(409));
      this.objects.set(req.path, {
        ...body,
        metadata: { ...body.metadata, resourceVersion: String(++this.rv) },
      });
      return Promise.resolve({ status: 200, body: body as T });
    }
    if (req.method === "PATCH" && obj !== undefined) {
      for (const op of req.body as { op: string; path: string; value: unknown }[]) {
        const [, , idx, , field] = op.path.split("/");
        const wh = (obj["webhooks"] as Record<string, Record<string, unknown>>[])[Number(idx)];
        if (wh === undefined) return Promise.reject(new ApiError(422));
        if (op.op === "test" && wh["name"] !== op.value) return Promise.reject(new ApiError(422));
        if (op.op === "add" && field === "caBundle")
          (wh["clientConfig"] as Record<string, unknown>)["caBundle"] = op.value;
      }
      return Promise.resolve({ status: 200, body: obj as T });
    }
    return Promise.reject(new ApiError(404));
  }

  caBundles(): string[] {
    return [...this.objects.entries()]
      .filter(([k]) => k.includes("webhookconfigurations"))
      .map(([, v]) =>
        Buffer.from(
          (v["webhooks"] as { clientConfig: { caBundle?: string } }[])[0]?.clientConfig.caBundle ??
            "",
          "base64",
        ).toString(),
      );
  }
}

const SECRET = "/api/v1/namespaces/sys/secrets/tls";

function rotator(
  api: FakeApi,
  clock: { now: number },
  served: CertBundle[],
  mode: "auto" | "self" | "cert-manager" = "auto",
): CertRotator {
  return new CertRotator({
    kube: api,
    namespace: "sys",
    secretName: "tls",
    spec: { dnsNames: ["svc.sys.svc"], ipAddresses: ["127.0.0.1"] },
    configNames: { validating: "cfg", mutating: "cfg" },
    mode,
    lifetimes: { caMs: 300 * HOUR, servingMs: 30 * HOUR },
    onCertificate: (b) => served.push(b),
    log: pino({ level: "silent" }),
    now: () => clock.now,
  });
}

describe("CertRotator", () => {
  it("creates the Secret, syncs caBundle before serving, then keeps it until renewal", async () => {
    const api = new FakeApi();
    const clock = { now: Date.parse("2026-11-27T12:00:00Z") };
    const served: CertBundle[] = [];
    const r = rotator(api, clock, served);
    const first = await r.reconcileOnce();
    assert.equal(first.managedBy, "self");
    assert.ok(first.rotated !== undefined);
    assert.ok(api.objects.has(SECRET));
    assert.deepEqual(api.caBundles(), [first.bundle.caBundle, first.bundle.caBundle]);
    // caBundle patches happen before the certificate is handed to the server.
    assert.equal(served.length, 1);
    const patchIdx = api.log.findIndex((l) => l.startsWith("PATCH"));
    assert.ok(patchIdx > api.log.findIndex((l) => l.startsWith("POST")));

    clock.now += 10 * HOUR;
    const again = await r.reconcileOnce();
    assert.equal(again.rotated, undefined);
    assert.equal(served.length, 1);
    assert.ok(!api.log.slice(patchIdx + 2).some((l) => l.startsWith("PATCH")));

    clock.now += 11 * HOUR; // 21 h of 30: past the two-thirds mark
    const renewed = await r.reconcileOnce();
    assert.match(renewed.rotated ?? "", /last third/);
    assert.equal(served.length, 2);
    assert.equal(renewed.bundle.caBundle, first.bundle.caBundle);
    assert.notEqual(
      new X509Certificate(renewed.bundle.tlsCert).serialNumber,
      new X509Certificate(first.bundle.tlsCert).serialNumber,
    );
  });

  it("adopts the bundle of a replica that wrote first (409)", async () => {
    const api = new FakeApi();
    const clock = { now: Date.now() };
    const servedA: CertBundle[] = [];
    const servedB: CertBundle[] = [];
    const a = rotator(api, clock, servedA);
    const b = rotator(api, clock, servedB);
    // B reads "no Secret", then A writes before B's create lands.
    api.beforeWrite = () => {
      api.beforeWrite = undefined;
      void a.reconcileOnce();
    };
    await b.reconcileOnce();
    await new Promise((r) => setTimeout(r, 50));
    const final = await b.reconcileOnce();
    assert.equal(servedA.at(-1)?.tlsCert, final.bundle.tlsCert);
    assert.equal(servedB.at(-1)?.tlsCert, final.bundle.tlsCert);
  });

  it("keeps the old CA trusted when the CA rotates", async () => {
    const api = new FakeApi();
    const clock = { now: Date.now() };
    const r = rotator(api, clock, []);
    const first = await r.reconcileOnce();
    clock.now += 201 * HOUR;
    const rotated = await r.reconcileOnce();
    assert.equal(splitPem(rotated.bundle.caBundle).length, 2);
    assert.equal(api.caBundles()[0], rotated.bundle.caBundle);
    assert.ok(rotated.bundle.caBundle.includes(splitPem(first.bundle.caBundle)[0]!));
  });

  it("leaves certificates to cert-manager when annotated and installed", async () => {
    const api = new FakeApi();
    const cfg = api.objects.get(
      "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/cfg",
    )!;
    cfg["metadata"] = {
      name: "cfg",
      annotations: { "cert-manager.io/inject-ca-from": "sys/webhook" },
    };
    const clock = { now: Date.now() };
    const r = rotator(api, clock, []);
    // Annotation without cert-manager installed: we manage.
    assert.equal((await r.reconcileOnce()).managedBy, "self");
    api.objects.set(
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io",
      { metadata: {} },
    );
    const before = api.log.filter((l) => !l.startsWith("GET")).length;
    const res = await r.reconcileOnce();
    assert.equal(res.managedBy, "cert-manager");
    assert.equal(
      api.log.filter((l) => !l.startsWith("GET")).length,
      before,
      "no writes under cert-manager",
    );
  });

  it("fails (and retries later) in cert-manager mode while the Secret is missing", async () => {
    const api = new FakeApi();
    const r = rotator(api, { now: Date.now() }, [], "cert-manager");
    await assert.rejects(r.reconcileOnce(), /not usable yet/);
  });
});

describe("caBundlePatch", () => {
  it("patches only entries that differ, guarded by a name test", () => {
    const cfg = {
      webhooks: [
        { name: "a", clientConfig: { caBundle: "X" } },
        { name: "b", clientConfig: {} },
        { name: "c" },
      ],
    };
    assert.deepEqual(caBundlePatch(cfg, "X"), [
      { op: "test", path: "/webhooks/1/name", value: "b" },
      { op: "add", path: "/webhooks/1/clientConfig/caBundle", value: "X" },
    ]);
    assert.deepEqual(caBundlePatch({ webhooks: "junk" }, "X"), []);
  });
});
