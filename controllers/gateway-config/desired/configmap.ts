// The ConfigMap that carries the routing config to the gateway (mounted as a directory, key
// routing.json). Compact JSON in `data` while it is small; above COMPRESS_ABOVE bytes the same
// JSON gzip-compressed in `binaryData` under the same key (the gateway recognises gzip by its
// magic bytes), so a config can grow to several MiB of JSON before the 1 MiB object limit.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { CONFIG_MAP } from "../../../operators/runtime/core-kinds.ts";
import type { RoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";

export const CONFIGMAP_NAME = "inference-gateway-routing";
export const CONFIG_KEY = "routing.json";
/** Annotation with the sha256 of the JSON (compressed or not), to compare without decoding. */
export const HASH_ANNOTATION = "librechat.io/routing-sha256";
/** Annotation with the config's generation (the gateway exports it as a metric). */
export const GENERATION_ANNOTATION = "librechat.io/routing-generation";
/** Leaves room below the API server's 1 MiB object limit for metadata and managedFields. */
export const COMPRESS_ABOVE = 900 * 1024;

/** Serialises a config: compact JSON, keys in the order the renderer built them (deterministic). */
export function routingText(config: RoutingConfig): string {
  return JSON.stringify(config);
}

/** sha256 of a config's content without its generation (what "changed" means). */
export function contentHash(config: RoutingConfig): string {
  const { generation: _generation, ...rest } = config;
  return createHash("sha256").update(JSON.stringify(rest)).digest("hex");
}

/** The ConfigMap for `config` in the operator namespace. */
export function desiredConfigMap(
  config: RoutingConfig,
  namespace: string,
  threshold = COMPRESS_ABOVE,
  hash = contentHash(config),
): V1ConfigMap {
  const text = routingText(config);
  const metadata = {
    name: CONFIGMAP_NAME,
    namespace,
    labels: {
      "app.kubernetes.io/name": "inference-gateway",
      "app.kubernetes.io/managed-by": "librechat-operator",
    },
    annotations: {
      [HASH_ANNOTATION]: hash,
      [GENERATION_ANNOTATION]: String(config.generation ?? 0),
    },
  };
  if (Buffer.byteLength(text) <= threshold)
    return {
      apiVersion: CONFIG_MAP.apiVersion,
      kind: CONFIG_MAP.kind,
      metadata,
      data: { [CONFIG_KEY]: text },
    };
  // gzipSync writes mtime 0 and no file name: the same JSON always gives the same bytes.
  return {
    apiVersion: CONFIG_MAP.apiVersion,
    kind: CONFIG_MAP.kind,
    metadata,
    binaryData: { [CONFIG_KEY]: gzipSync(text, { level: 9 }).toString("base64") },
  };
}
