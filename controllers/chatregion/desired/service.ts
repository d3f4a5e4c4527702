// The ClusterIP Service in front of a region's gateway pods, and the in-cluster endpoint URL that
// the regions table publishes when spec.endpoint is absent.
import type { V1Service } from "@kubernetes/client-node";
import type { ChatRegion } from "../../../crds/chatregion/v1alpha1/index.ts";
import type { ChatRegionConfig } from "./meta.ts";
import { childMeta, GATEWAY_PORT, selectorLabels } from "./meta.ts";
import { SERVICE } from "../../../operators/runtime/core-kinds.ts";

/** The Service of the region's gateway pods. */
export function desiredService(region: ChatRegion): V1Service {
  const m = childMeta(region);
  return {
    apiVersion: SERVICE.apiVersion,
    kind: SERVICE.kind,
    metadata: m,
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(m.name),
      ports: [{ name: "http", port: GATEWAY_PORT, targetPort: "http", protocol: "TCP" }],
    },
  };
}

/** WebSocket URL clients use for the region: spec.endpoint, else the Service's in-cluster URL. */
export function regionEndpoint(
  region: ChatRegion,
  cfg: Pick<ChatRegionConfig, "clusterDomain">,
): string {
  if (region.spec.endpoint !== undefined) return region.spec.endpoint;
  const ns = region.metadata.namespace ?? "default";
  return `ws://${region.metadata.name ?? ""}.${ns}.svc.${cfg.clusterDomain}:${GATEWAY_PORT}/v1/ws`;
}
