// Reading a gateway pod's open connections from its own /metrics (prom-client text format):
// chat_gateway_connections{transport="ws"|"sse"}, summed over transports.
import type { V1Pod } from "@kubernetes/client-node";
import { GATEWAY_PORT } from "./desired/meta.ts";

export const CONNECTIONS_METRIC = "chat_gateway_connections";

/** Sum of the connection gauge over its series, or undefined when the metric is absent. */
export function parseConnections(text: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(CONNECTIONS_METRIC)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m?.[1] !== CONNECTIONS_METRIC) continue;
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

/** Reads one pod's connections; undefined when unreachable, slow or without the metric. */
export async function readPodConnections(pod: V1Pod, timeoutMs: number, signal?: AbortSignal): Promise<number | undefined> {
  const url = metricsUrl(pod);
  if (url === undefined) return undefined;
  try {
    const signals = [AbortSignal.timeout(timeoutMs), ...(signal === undefined ? [] : [signal])];
    const res = await fetch(url, { signal: AbortSignal.any(signals) });
    if (!res.ok) return undefined;
    return parseConnections(await res.text());
  } catch {
    return undefined;
  }
}
