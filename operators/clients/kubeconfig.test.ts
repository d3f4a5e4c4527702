// Tests of kubeconfig loading ($KUBECONFIG, ~/.kube/config, in-cluster) without client-node's API
// classes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FakeApiServer } from "../runtime/testing/fake-apiserver.ts";
import { KubeHttp } from "./http.ts";
import { loadKubeConfig } from "./kubeconfig.ts";

const KUBECONFIG = (server: string): string => `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: file-token}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: ns1}}]
current-context: x
`;

void describe("loadKubeConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubeconfig-test-"));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  void it("loads a kubeconfig file whose credentials authenticate requests", async () => {
    const api = await new FakeApiServer().start();
    try {
      api.handler = () => ({ status: 200, body: { kind: "Namespace" } });
      const file = join(dir, "config");
      writeFileSync(file, KUBECONFIG(api.kubeConfig().getCurrentCluster()?.server ?? ""));
      const kc = await loadKubeConfig(file);
      assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, "ns1");
      const http = new KubeHttp(kc);
      await http.request({ method: "GET", path: "/api/v1/namespaces/ns1" });
      await http.close();
      assert.equal(api.requests[0]?.headers.authorization, "Bearer file-token");
    } finally {
      await api.close();
    }
  });

  void it("does not evaluate client-node's generated APIs and models (fresh process)", () => {
    const file = join(dir, "config2");
    writeFileSync(file, KUBECONFIG("https://127.0.0.1:1"));
    // Record every module URL the process resolves, then load the config the operator's way.
    const script = `
      import { registerHooks } from "node:module";
      const seen = [];
      registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });
      const { loadKubeConfig } = await import(${JSON.stringify(new URL("./kubeconfig.ts", import.meta.url).href)});
      const kc = await loadKubeConfig(${JSON.stringify(file)});
      const { KubeHttp } = await import(${JSON.stringify(new URL("./http.ts", import.meta.url).href)});
      new KubeHttp(kc);
      console.log(JSON.stringify({ server: kc.getCurrentCluster()?.server, seen }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }),
    ) as { server: string; seen: string[] };
    assert.equal(out.server, "https://127.0.0.1:1");
    assert.ok(
      out.seen.some((u) => u.endsWith("/client-node/dist/config.js")),
      "client-node's own config module is used",
    );
    const heavy = out.seen.filter((u) =>
      /\/client-node\/dist\/gen\/(index|apis\/|models\/|types\/)/.test(u),
    );
    assert.deepEqual(heavy, [], "generated APIs/models stay unloaded");
  });
});
