// Installs the generated CRDs (manifests/crd/) into the test cluster once per process and waits
// until the API server serves them. Idempotent: server-side apply with a fixed field manager.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../../operators/clients/kube.ts";

const CRD_DIR = join(import.meta.dirname, "../../manifests/crd");
const CRD_GVK = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
};

let installed: Promise<void> | undefined;

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Applies every CRD under manifests/crd and waits for Established (once per test process). */
export function installCrds(kc: KubeConfig): Promise<void> {
  installed ??= doInstall(kc);
  return installed;
}

async function doInstall(kc: KubeConfig): Promise<void> {
  const client = new KubeClient(kc);
  const files = (await readdir(CRD_DIR)).filter((f) => f.endsWith(".yaml")).sort();
  const crds: Crd[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(await readFile(join(CRD_DIR, f), "utf8"))) {
      const obj = doc.toJS() as Crd | null;
      if (obj?.kind === "CustomResourceDefinition") crds.push(obj);
    }
  }
  await Promise.all(
    crds.map((c) => client.apply(c, { fieldManager: "librechat-tests", force: true })),
  );
  const deadline = Date.now() + 60_000;
  for (const c of crds) {
    for (;;) {
      const got = await client.get<Crd>(CRD_GVK, undefined, c.metadata.name);
      if (got?.status?.conditions?.some((x) => x.type === "Established" && x.status === "True"))
        break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${c.metadata.name} not Established within 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // Discovery can lag Established by a moment; the first request through it would 404.
  await new Promise((r) => setTimeout(r, 1000));
}
