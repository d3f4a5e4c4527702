// Failover within residency, pure: which fallback takes an unhealthy region's traffic, and the
// regions table its gateways publish. Fallbacks are ranked by priority (lower first), then weight
// (higher first), then their order in spec.failover.fallbackRegions; a region of another
// dataRegion is never a candidate unless spec.residency.allowCrossRegionFailover is true.
import type { ChatRegion } from "../../crds/chatregion/v1alpha1/index.ts";
import { CHATREGION_DEFAULTS } from "../../crds/chatregion/v1alpha1/index.ts";
import type { RegionRow, RegionsTable } from "./desired/configmap.ts";

/** What the controller knows about a peer ChatRegion (from the cache). */
export interface PeerView {
  region: ChatRegion;
  healthy: boolean;
  endpoint: string;
}

export interface FailoverDecision {
  /** Name of the region taking the traffic; undefined when none can. */
  target?: string;
  /** Fallbacks excluded because they keep data in another dataRegion. */
  forbidden: string[];
  /** Fallbacks named in the spec that do not exist. */
  missing: string[];
  /** Why there is no target, in words (only when there is none). */
  reason?: string;
}

function priorityOf(r: ChatRegion): number {
  return r.spec.failover?.priority ?? CHATREGION_DEFAULTS.failoverPriority;
}

function weightOf(r: ChatRegion): number {
  return r.spec.failover?.weight ?? CHATREGION_DEFAULTS.failoverWeight;
}

/** Fallbacks residency allows, ranked; plus the excluded and missing ones. */
export function rankFallbacks(
  self: ChatRegion,
  peers: ReadonlyMap<string, PeerView>,
): {
  ranked: PeerView[];
  forbidden: string[];
  missing: string[];
} {
  const names = self.spec.failover?.fallbackRegions ?? [];
  const cross = self.spec.residency.allowCrossRegionFailover;
  const ranked: { p: PeerView; order: number }[] = [];
  const forbidden: string[] = [];
  const missing: string[] = [];
  names.forEach((name, order) => {
    const p = peers.get(name);
    if (p === undefined) missing.push(name);
    else if (!cross && p.region.spec.residency.dataRegion !== self.spec.residency.dataRegion)
      forbidden.push(name);
    else ranked.push({ p, order });
  });
  ranked.sort(
    (a, b) =>
      priorityOf(a.p.region) - priorityOf(b.p.region) ||
      weightOf(b.p.region) - weightOf(a.p.region) ||
      a.order - b.order,
  );
  return { ranked: ranked.map((x) => x.p), forbidden, missing };
}

/** Where the traffic of `self` goes while it is unhealthy. */
export function chooseFailover(
  self: ChatRegion,
  peers: ReadonlyMap<string, PeerView>,
): FailoverDecision {
  const { ranked, forbidden, missing } = rankFallbacks(self, peers);
  const target = ranked.find((p) => p.healthy);
  if (target !== undefined)
    return { target: target.region.metadata.name ?? "", forbidden, missing };
  const dr = self.spec.residency.dataRegion;
  const parts: string[] = [];
  if (ranked.length === 0) parts.push(`no fallback region in dataRegion "${dr}"`);
  else
    parts.push(
      `no healthy fallback region in dataRegion "${dr}" (${ranked.map((p) => p.region.metadata.name ?? "").join(", ")} unhealthy)`,
    );
  if (forbidden.length > 0)
    parts.push(`${forbidden.join(", ")} excluded: cross-region failover is not allowed`);
  if (missing.length > 0) parts.push(`${missing.join(", ")} not found`);
  return { forbidden, missing, reason: parts.join("; ") };
}

/**
 * Base URLs the web client may use: this region's public endpoint, then its allowed fallbacks'
 * (ranked as the regions table ranks them), so a page keeps its data region when it reconnects.
 * Only spec.endpoint counts (an in-cluster Service name means nothing to a browser); without one
 * of its own the region offers none and the page uses its own origin. Health is left out on
 * purpose: the list becomes pod env, and a health flip must not roll the fleet.
 */
export function webEndpoints(self: ChatRegion, peers: ReadonlyMap<string, PeerView>): string[] {
  const own = webBase(self.spec.endpoint);
  if (own === undefined) return [];
  const out = [own];
  for (const p of rankFallbacks(self, peers).ranked) {
    const e = webBase(p.region.spec.endpoint);
    if (e !== undefined && !out.includes(e)) out.push(e);
  }
  return out;
}

/**
 * The HTTP base URL of a region's WebSocket endpoint (the page fetches tickets from it and opens
 * `<base>/v1/ws`): wss → https, ws → http, a trailing /v1/ws removed (a path prefix before it, as
 * behind an Ingress, is kept); any other path gives the origin.
 */
export function webBase(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return undefined;
  }
  const scheme = u.protocol === "wss:" ? "https:" : u.protocol === "ws:" ? "http:" : undefined;
  if (scheme === undefined) return undefined;
  const path = u.pathname.replace(/\/+$/, "");
  const prefix = path.endsWith("/v1/ws") ? path.slice(0, -"/v1/ws".length) : "";
  return `${scheme}//${u.host}${prefix}`;
}

/** The table the region's gateways publish: itself first, then its allowed fallbacks, ranked. */
export function regionsTable(
  self: ChatRegion,
  selfView: { healthy: boolean; endpoint: string },
  peers: ReadonlyMap<string, PeerView>,
): RegionsTable {
  const row = (r: ChatRegion, healthy: boolean, endpoint: string): RegionRow => ({
    name: r.metadata.name ?? "",
    dataRegion: r.spec.residency.dataRegion,
    endpoint,
    priority: priorityOf(r),
    weight: weightOf(r),
    healthy,
  });
  const { ranked } = rankFallbacks(self, peers);
  return {
    self: self.metadata.name ?? "",
    regions: [
      row(self, selfView.healthy, selfView.endpoint),
      ...ranked.map((p) => row(p.region, p.healthy, p.endpoint)),
    ],
  };
}
