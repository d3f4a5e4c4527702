// What every child of a ChatRegion shares: names, labels, the owner reference and the static
// controller configuration (operator flags). Pure: no client, clock or env.
import type { ChatRegion } from "../../../crds/chatregion/v1alpha1/index.ts";
import { CHATREGION_NAME_LABEL } from "../../../crds/chatregion/v1alpha1/index.ts";
import type { V1OwnerReference } from "@kubernetes/client-node";
import { childLabels, sortKeys } from "../../shared/labels.ts";
import { controllerRef } from "../../shared/owner.ts";

/** Static configuration of the ChatRegion controller (flags, not per-object data). */
export interface ChatRegionConfig {
  /** Image used when spec.image is absent. */
  defaultImage: string;
  /** Cluster DNS domain of in-cluster endpoints. */
  clusterDomain: string;
  /** Keycloak base URL used for Tenants whose spec.identity.keycloak.url is absent. */
  keycloakUrl: string;
  /** Audience the gateway requires in access tokens (the Tenant realm's chat client). */
  oidcAudience: string;
  /** OpenAI-compatible base URL of the inference gateway; empty: replies are off. */
  inferenceUrl: string;
  /**
   * Directory of the built web client the fleet serves at / (CHAT_WEB_DIR); empty: none. Relative
   * to the container's working directory, so the same value finds the client in the chat-gateway
   * image (/app) and in a checkout (the integration tests' pods run from the repository root).
   */
  webDir: string;
  /** Public OIDC client of the web client in the Tenant's realm (CHAT_WEB_OIDC_CLIENT_ID). */
  webClientId: string;
  /** OTLP/HTTP base URL the gateways export traces to (OTEL_EXPORTER_OTLP_ENDPOINT); empty: off. */
  otlpEndpoint: string;
}

export const DEFAULT_CONFIG: ChatRegionConfig = {
  defaultImage: "ghcr.io/librechat-operators/chat-gateway:v0.1.0",
  clusterDomain: "cluster.local",
  keycloakUrl: "http://keycloak.keycloak.svc.cluster.local:8080",
  oidcAudience: "chat-gateway",
  inferenceUrl: "",
  webDir: "workloads/chat-web/dist",
  webClientId: "chat-web",
  otlpEndpoint: "",
};

export const COMPONENT = "chat-gateway";
export const CONTAINER = "gateway";
/** Port the gateway listens on inside the pod (CHAT_PORT). */
export const GATEWAY_PORT = 8090;
/** Where the regions-table ConfigMap is mounted, and the file the gateway reads (CHAT_REGIONS_FILE). */
export const REGIONS_DIR = "/etc/chat-gateway/regions";
export const REGIONS_KEY = "regions.json";

/** Labels that select a region's gateway pods. Immutable for the life of the Deployment. */
export function selectorLabels(name: string): Record<string, string> {
  return sortKeys({ [CHATREGION_NAME_LABEL]: name, "app.kubernetes.io/instance": name });
}

/** Name of the regions-table ConfigMap of a ChatRegion. */
export function regionsConfigMapName(region: ChatRegion): string {
  return `${region.metadata.name ?? ""}-regions`;
}

export interface ChildMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ownerReferences: V1OwnerReference[];
}

/** Metadata of a child named `name` (default: the ChatRegion's own name). */
export function childMeta(region: ChatRegion, name?: string): ChildMeta {
  const own = region.metadata.name ?? "";
  return {
    name: name ?? own,
    namespace: region.metadata.namespace ?? "default",
    labels: childLabels({
      name: COMPONENT,
      component: COMPONENT,
      selector: selectorLabels(own),
    }),
    ownerReferences: [controllerRef(region)],
  };
}
