// Shared cluster fixture of the webhook rule tests: two Tenants' namespaces plus objects to refer to.
import type { Harness } from "./harness.ts";
import { aimodel, chatRegion, deployment, externalModel, tenant } from "./fixtures.ts";

export interface World {
  /** Tenant names (unique per run). */
  acme: string;
  globex: string;
  /** Namespaces: two of acme, one of globex (kill switch engaged on globex), one without tenant. */
  acmeA: string;
  acmeB: string;
  globexA: string;
  orphan: string;
}

async function must(h: Harness, obj: Record<string, unknown>): Promise<void> {
  const res = await h.create(obj);
  if (!res.ok)
    throw new Error(`creating fixture ${String(obj["kind"])} failed: ${res.code} ${res.message}`);
}

/** Creates the fixture (real objects, deleted with the run's namespaces). */
export async function makeWorld(h: Harness): Promise<World> {
  const acme = `acme-${h.runId}`;
  const globex = `globex-${h.runId}`;
  const [acmeA, acmeB, globexA, orphan] = await Promise.all([
    h.namespace("acme-a", acme),
    h.namespace("acme-b", acme),
    h.namespace("globex-a", globex),
    h.namespace("orphan"),
  ]);
  await must(h, tenant(acme, undefined));
  const killed = tenant(globex, undefined);
  (killed["metadata"] as Record<string, unknown>)["annotations"] = {
    "librechat.io/chaos-kill-switch": "engaged",
  };
  await must(h, killed);
  await Promise.all([
    must(h, aimodel("llama", acmeA, { replicas: 4, minReplicas: 1, maxReplicas: 4 })),
    must(h, aimodel("llama", acmeB)),
    must(h, externalModel("gpt", acmeA)),
    must(h, aimodel("llama", globexA)),
    must(h, chatRegion("eu-west", acmeA, "eu")),
    must(h, chatRegion("us-east", acmeA, "us")),
    must(h, chatRegion("eu-west", globexA, "eu")),
    must(h, deployment("web", acmeA, 2)),
  ]);
  return { acme, globex, acmeA, acmeB, globexA, orphan };
}
