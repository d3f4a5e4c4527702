// Extra simulated nodes for tests and benchmarks that need more pods than one kwok node holds.
// kwok manages every node annotated kwok.x-k8s.io/node=fake; it marks them Ready and runs their pods.
import type { KubeClient } from "../../operators/clients/kube.ts";

const NODE = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };

/** Ensures nodes `${prefix}-0 … ${prefix}-(count-1)` exist, each holding `pods` pods, and are Ready. */
export async function ensureKwokNodes(
  client: KubeClient,
  prefix: string,
  count: number,
  pods = 250,
): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await Promise.all(
    names.map((name) =>
      client.apply(
        {
          apiVersion: "v1",
          kind: "Node",
          metadata: {
            name,
            annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
            labels: {
              "kubernetes.io/hostname": name,
              "kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64",
              type: "kwok",
            },
          },
          status: {
            allocatable: { cpu: "64", memory: "512Gi", pods: String(pods), "nvidia.com/gpu": "8" },
            capacity: { cpu: "64", memory: "512Gi", pods: String(pods), "nvidia.com/gpu": "8" },
          },
        },
        { fieldManager: "kwok-nodes", force: true },
      ),
    ),
  );
  const deadline = Date.now() + 90_000;
  for (const name of names) {
    for (;;) {
      const n = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
        NODE,
        undefined,
        name,
      );
      if (n?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true)
        break;
      if (Date.now() > deadline) throw new Error(`kwok node ${name} not Ready within 90 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
