// Reading a gateway pod's load from its own /metrics (prom-client text format): open connections
// are chat_gateway_connections{transport="ws"|"sse"}, summed over transports; in-flight model
// streams are chat_gateway_active_replies.
import type { V1Pod } from "@kubernetes/client-node";
import { GATEWAY_PORT } from "./desired/meta.ts";

export const CONNECTIONS_METRIC = "chat_gateway_connections";

/** Sum of a gauge over its series, or undefined when the metric is absent. */
export function parseGauge(text: string, metric: string = CONNECTIONS_METRIC): number | undefined {
  let sum: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(metric)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m?.[1] !== metric) continue;
    const v = Number(m[3]);
    if (!Number.isFinite(v) || v < 0) continue;
    sum = (sum ?? 0) + v;
  }
  return sum === undefined ? undefined : Math.round(sum);
}

/** URL of a pod's metrics: its IP and the gateway port (what a Prometheus pod scrape uses). */
export function metricsUrl(pod: V1Pod): string | undefined {
  const ip = pod.status?.podIP;
  if (ip === undefined || ip === "") return undefined;
  const host = ip.includes(":") ? `[${ip}]` : ip;
  return `http://${host}:${GATEWAY_PORT}/metrics`;
}

/** Reads one pod's gauge; undefined when unreachable, slow or without the metric. */
export async function readPodGauge(
  pod: V1Pod,
  metric: string,
  timeoutMs: number,
): Promise<number | undefined> {
  const url = metricsUrl(pod);
  if (url === undefined) return undefined;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return parseGauge(await res.text(), metric);
  } catch {
    return undefined;
  }
}
