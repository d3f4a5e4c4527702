// Test-only bridge from ChaosPolicy status to a real inference gateway, until the gateway's config
// renderer (the "loop" helper's) lands: it polls the policies' status.activeFaults and writes the
// non-expired ones into the gateway's routing file `faults[]` (the gateway's own schema, checked by
// validateRoutingConfig), which the gateway hot-reloads.
import type { KubeClient } from "../../../operators/clients/kube.ts";
import type { ChaosPolicy } from "../../../crds/chaospolicy/v1alpha1/index.ts";
import { validateRoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import type { RoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { CHAOSPOLICY } from "./fixtures.ts";

export interface FaultBridge {
  /** Number of config writes so far. */
  writes(): number;
  stop(): void;
}

/** Renders `base` plus the active faults of every ChaosPolicy in `ns` whenever they change. */
export function bridgeFaults(
  client: KubeClient,
  ns: string,
  base: RoutingConfig,
  write: (c: RoutingConfig) => Promise<void>,
): FaultBridge {
  let last = "";
  let writes = 0;
  let stopped = false;
  const tick = async (): Promise<void> => {
    const now = Date.now();
    const policies = await client.list<ChaosPolicy>(CHAOSPOLICY, ns);
    const faults = policies
      .flatMap((p) => p.status?.activeFaults ?? [])
      .filter((f) => Date.parse(f.expiresAt) > now)
      .sort((a, b) => (a.backend < b.backend ? -1 : 1));
    const text = JSON.stringify(faults);
    if (text === last) return;
    const cfg: RoutingConfig = { ...base, ...(faults.length > 0 ? { faults } : {}) };
    const res = validateRoutingConfig(cfg);
    if (!res.ok) throw new Error(`rendered routing config is invalid: ${res.errors.join("; ")}`);
    await write(cfg);
    last = text;
    writes++;
  };
  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        await tick();
      } catch (err) {
        process.stderr.write(`fault bridge: ${err instanceof Error ? err.message : String(err)}\n`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  void loop();
  return {
    writes: () => writes,
    stop: () => {
      stopped = true;
    },
  };
}
