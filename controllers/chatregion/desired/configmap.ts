// The regions-table ConfigMap of a region, mounted into its gateway pods (CHAT_REGIONS_FILE). The
// gateway shows the table in welcome and reconnect frames and on GET /regions, so a client that
// loses its region knows where to reconnect. One ConfigMap per ChatRegion (not one per data
// region): the file names the reading region ("self"), and each region's copy is owned by it and
// garbage-collected with it. Its rows are the region and the fallbacks residency allows.
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { ChatRegion } from "../../../crds/chatregion/v1alpha1/index.ts";
import { stableStringify } from "../../shared/stable.ts";
import { childMeta, REGIONS_KEY, regionsConfigMapName } from "./meta.ts";
import { CONFIG_MAP } from "../../../operators/runtime/core-kinds.ts";

/** One row of the regions table (chat-gateway contract #4). */
export interface RegionRow {
  name: string;
  dataRegion: string;
  endpoint: string;
  priority: number;
  weight: number;
  healthy: boolean;
}

/** The file the gateway reads. */
export interface RegionsTable {
  regions: RegionRow[];
  self: string;
}

/** The ConfigMap holding `table` as JSON (sorted keys, so equal tables give equal bytes). */
export function desiredRegionsConfigMap(region: ChatRegion, table: RegionsTable): V1ConfigMap {
  return {
    apiVersion: CONFIG_MAP.apiVersion,
    kind: CONFIG_MAP.kind,
    metadata: childMeta(region, regionsConfigMapName(region)),
    data: { [REGIONS_KEY]: `${stableStringify(table)}\n` },
  };
}
