// Runs the realm steps against Keycloak through an injected API (so it is unit-tested with a fake):
// read once; create the realm if missing; refuse realms owned by someone else; then per step,
// compare and, as the sync mode allows, write. After a step that wrote, the realm is read again so
// later steps see new ids. When nothing differs a pass makes only reads.
import type { TenantSyncMode } from "../../../crds/tenant/v1alpha1/index.ts";
import type { DesiredFlow, DesiredRealm } from "./desired.ts";
import { OWNER_ATTRIBUTE } from "./desired.ts";
import type { RealmState, Rep } from "./state.ts";
import type { StepResult, Write } from "./steps.ts";
import { OWNED_FLOW_PREFIX, STEPS, realmOwnership, stepUpFlows } from "./steps.ts";

export interface ApiResponse {
  status: number;
  body: unknown;
  location: string | undefined;
}

/** What the runner needs from Keycloak; paths are below /admin/realms. */
export interface RealmApi {
  /** Reads the realm and the secrets of the named clients; undefined if the realm does not exist. */
  read(realm: string, secretsOf: readonly string[]): Promise<RealmState | undefined>;
  request(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<ApiResponse>;
}

export interface SyncOptions {
  mode: TenantSyncMode;
  adoptExisting: boolean;
  tenant: string;
  /** Secret hashes last written (kept across passes by the caller). */
  memory: Map<string, string>;
}

export interface SyncOutcome {
  /** Realm refused: the reason names the realm and who owns it. */
  refused?: { reason: "RealmOwnedElsewhere"; message: string };
  created: boolean;
  /** Differences found (in Enforce mode they were corrected). */
  drift: string[];
  writes: number;
  state: RealmState | undefined;
}

const enc = encodeURIComponent;

function confidentialIds(d: DesiredRealm): string[] {
  return d.clients.filter((c) => c.confidential).map((c) => c.clientId);
}

function allowed(mode: TenantSyncMode, w: Write): boolean {
  if (mode === "Observe") return false;
  return mode === "Enforce" || w.create === true;
}

function refusal(
  realm: string,
  owner: "unmarked" | { owner: string },
): NonNullable<SyncOutcome["refused"]> {
  const by =
    owner === "unmarked"
      ? "was not created by this operator (no librechat.io/tenant attribute) and adoptExisting is false"
      : `belongs to Tenant "${owner.owner}"`;
  return { reason: "RealmOwnedElsewhere", message: `Keycloak realm "${realm}" ${by}` };
}

/** The realm as Keycloak has it, created (marked as ours) when missing and the mode allows. */
async function readOrCreate(
  api: RealmApi,
  desired: DesiredRealm,
  opts: SyncOptions,
): Promise<{ state: RealmState | undefined; created: boolean }> {
  const secretsOf = confidentialIds(desired);
  const state = await api.read(desired.name, secretsOf);
  if (state !== undefined || opts.mode === "Observe") return { state, created: false };
  await api.request("POST", "", {
    realm: desired.name,
    enabled: true,
    attributes: { [OWNER_ATTRIBUTE]: opts.tenant },
  });
  const after = await api.read(desired.name, secretsOf);
  if (after === undefined) throw new Error(`realm ${desired.name} not readable after creating it`);
  return { state: after, created: true };
}

/** Brings one realm in line with `desired` (as far as the mode allows) and reports drift. */
export async function syncRealm(
  api: RealmApi,
  desired: DesiredRealm,
  opts: SyncOptions,
): Promise<SyncOutcome> {
  const { state: first, created } = await readOrCreate(api, desired, opts);
  if (first === undefined) return { created, drift: ["realm (missing)"], writes: 0, state: first };
  const owner = realmOwnership(first, opts.tenant);
  if (owner !== "ours" && (typeof owner === "object" || !opts.adoptExisting)) {
    return { refused: refusal(desired.name, owner), created, drift: [], writes: 0, state: first };
  }
  const secretsOf = confidentialIds(desired);
  let state = first;
  const drift: string[] = [];
  let writes = 0;
  for (const step of STEPS) {
    const r = step.diff(desired, state, opts.memory);
    drift.push(...r.drift);
    const n = await applyStep(api, desired, {
      mode: opts.mode,
      isFlows: step === stepUpFlows,
      r,
      state,
    });
    if (n === 0) continue;
    writes += n;
    for (const [k, v] of r.remember ?? []) opts.memory.set(k, v);
    state = (await api.read(desired.name, secretsOf)) ?? state;
  }
  return { created, drift, writes, state };
}

/** Sends the writes of one step that the mode allows; returns how many calls were made. */
async function applyStep(
  api: RealmApi,
  desired: DesiredRealm,
  s: { mode: TenantSyncMode; isFlows: boolean; r: StepResult; state: RealmState },
): Promise<number> {
  const { mode, isFlows, r, state } = s;
  let n = 0;
  for (const w of r.writes.filter((x) => allowed(mode, x))) {
    await api.request(w.method, `/${enc(desired.name)}${w.path}`, w.body);
    n++;
  }
  if (isFlows && r.drift.length > 0 && desired.stepUp !== undefined && mode === "Enforce") {
    n += await rebuildFlows(api, desired.name, desired.stepUp.flows, state);
    await api.request("PUT", `/${enc(desired.name)}`, desired.stepUp.bindings);
    n++;
  }
  return n;
}

/**
 * Deletes and recreates the operator's flows. Top-level flow first, sub-flows through their parent;
 * new executions start DISABLED, so their requirement (and config) is set afterwards by id.
 */
export async function rebuildFlows(
  api: RealmApi,
  realm: string,
  flows: readonly DesiredFlow[],
  state: RealmState,
): Promise<number> {
  const base = `/${enc(realm)}/authentication`;
  let calls = 0;
  const call = async (
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<ApiResponse> => {
    calls++;
    return api.request(method, `${base}${path}`, body);
  };
  const bound = state.realm["directGrantFlow"];
  if (typeof bound === "string" && bound.startsWith(OWNED_FLOW_PREFIX)) {
    await api.request("PUT", `/${enc(realm)}`, { directGrantFlow: "direct grant" });
    calls++;
  }
  for (const f of state.flows.filter((x) => x.topLevel && x.alias.startsWith(OWNED_FLOW_PREFIX)))
    await call("DELETE", `/flows/${enc(f.id)}`);
  for (const top of flows.filter((f) => f.topLevel)) {
    await call("POST", "/flows", {
      alias: top.alias,
      description: "Managed by the librechat tenant operator",
      providerId: "basic-flow",
      topLevel: true,
      builtIn: false,
    });
    await addExecutions(call, top, flows);
    const listed = (await call("GET", `/flows/${enc(top.alias)}/executions`)).body as Rep[];
    const wanted = flatten(top, flows);
    for (const [i, e] of listed.entries()) {
      const want = wanted[i];
      if (want === undefined) continue;
      await call("PUT", `/flows/${enc(top.alias)}/executions`, {
        ...e,
        requirement: want.requirement,
      });
      if (want.config !== undefined)
        await call("POST", `/executions/${enc(String(e["id"]))}/config`, {
          alias: `${top.alias}-${i}`,
          config: want.config,
        });
    }
  }
  return calls;
}

type Call = (
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
) => Promise<ApiResponse>;

async function addExecutions(
  call: Call,
  flow: DesiredFlow,
  flows: readonly DesiredFlow[],
): Promise<void> {
  for (const e of flow.executions) {
    if (e.flowAlias !== undefined) {
      await call("POST", `/flows/${enc(flow.alias)}/executions/flow`, {
        alias: e.flowAlias,
        type: "basic-flow",
        provider: "registration-page-form",
        description: "",
      });
      const sub = flows.find((f) => f.alias === e.flowAlias);
      if (sub !== undefined) await addExecutions(call, sub, flows);
    } else {
      await call("POST", `/flows/${enc(flow.alias)}/executions/execution`, {
        provider: e.authenticator,
      });
    }
  }
}

/** Executions of a flow and its sub-flows in the order Keycloak lists them (depth first). */
function flatten(flow: DesiredFlow, flows: readonly DesiredFlow[]): DesiredFlow["executions"] {
  return flow.executions.flatMap((e) => {
    const sub = e.flowAlias === undefined ? undefined : flows.find((f) => f.alias === e.flowAlias);
    return sub === undefined ? [e] : [e, ...flatten(sub, flows)];
  });
}
