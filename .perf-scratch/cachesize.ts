import { loadKubeConfig } from "../operators/clients/kubeconfig.ts";
import { KubeClient } from "../operators/clients/kube.ts";
import { stripManagedFields } from "../operators/runtime/informer.ts";
const kc = await loadKubeConfig();
const c = new KubeClient(kc);
const kinds = [
  { apiVersion: "apps/v1", kind: "Deployment", plural: "deployments", namespaced: true },
  { apiVersion: "v1", kind: "Service", plural: "services", namespaced: true },
  { apiVersion: "librechat.io/v1alpha1", kind: "AIModel", plural: "aimodels", namespaced: true },
];
const strip = process.argv[2] !== "raw";
const keep: unknown[] = [];
for (const k of kinds) {
  const items = await c.list<Record<string, unknown>>(k, "bench-operator");
  const json = items.map((i) => JSON.stringify(i));
  globalThis.gc!(); const h0 = process.memoryUsage().heapUsed;
  const objs = json.map((s) => { const o = JSON.parse(s); return strip ? stripManagedFields(o) : o; });
  keep.push(objs);
  globalThis.gc!(); const h1 = process.memoryUsage().heapUsed;
  const avgJson = json.reduce((a, s) => a + s.length, 0) / json.length;
  const avgStripped = objs.reduce((a: number, o) => a + JSON.stringify(o).length, 0) / objs.length;
  console.log(k.kind, items.length, "json B/obj", avgJson.toFixed(0), "stripped json B/obj", avgStripped.toFixed(0), "heap B/obj", ((h1 - h0) / items.length).toFixed(0));
}
process.exit(0);
