// What the operator reads back from Keycloak for one realm: one partial export (realm settings,
// roles with composites, groups with role mappings, clients, identity providers and their mappers,
// flows, required actions) plus the secret of each confidential client we manage. Plain data, so
// the steps that compare it with the desired realm are pure.

export type Rep = Record<string, unknown>;

export interface ObservedRole {
  id: string;
  name: string;
  description: string;
  composites: string[];
  attributes: Record<string, string[]>;
}

export interface ObservedGroup {
  id: string;
  name: string;
  attributes: Record<string, string[]>;
  realmRoles: string[];
}

export interface ObservedClient {
  id: string;
  clientId: string;
  rep: Rep;
}

export interface ObservedMapper {
  id: string;
  name: string;
  identityProviderAlias: string;
  identityProviderMapper: string;
  config: Record<string, string>;
}

export interface ObservedExecution {
  authenticator?: string;
  flowAlias?: string;
  requirement: string;
  config?: Record<string, string>;
}

export interface ObservedFlow {
  id: string;
  alias: string;
  topLevel: boolean;
  executions: ObservedExecution[];
}

export interface RealmState {
  /** Realm-level fields of the export (settings, attributes, smtpServer, flow bindings). */
  realm: Rep;
  roles: ObservedRole[];
  groups: ObservedGroup[];
  clients: ObservedClient[];
  /** Current secret of confidential clients we read it for (clientId → value). */
  clientSecrets: Record<string, string | undefined>;
  idps: Rep[];
  idpMappers: ObservedMapper[];
  flows: ObservedFlow[];
  requiredActions: Rep[];
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
const rec = (v: unknown): Rep =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rep) : {};
const strings = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === "string");
const stringMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries(rec(v)).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
const listMap = (v: unknown): Record<string, string[]> =>
  Object.fromEntries(Object.entries(rec(v)).map(([k, x]) => [k, strings(x)]));

function flows(exp: Rep): ObservedFlow[] {
  const configs = new Map(
    arr(exp["authenticatorConfig"]).map((c) => [str(rec(c)["alias"]), stringMap(rec(c)["config"])]),
  );
  return arr(exp["authenticationFlows"]).map((f) => {
    const r = rec(f);
    return {
      id: str(r["id"]),
      alias: str(r["alias"]),
      topLevel: r["topLevel"] === true,
      executions: arr(r["authenticationExecutions"])
        .map(rec)
        .sort((a, b) => Number(a["priority"] ?? 0) - Number(b["priority"] ?? 0))
        .map((e) => {
          const out: ObservedExecution = { requirement: str(e["requirement"]) };
          if (e["authenticatorFlow"] === true) out.flowAlias = str(e["flowAlias"]);
          else out.authenticator = str(e["authenticator"]);
          const cfgAlias = str(e["authenticatorConfig"]);
          if (cfgAlias !== "") out.config = configs.get(cfgAlias) ?? {};
          return out;
        }),
    };
  });
}

/** Parses a partial export (`POST /admin/realms/{realm}/partial-export`) into a RealmState. */
export function parseExport(
  exp: Rep,
  clientSecrets: Record<string, string | undefined> = {},
): RealmState {
  const realmRoles = arr(rec(exp["roles"])["realm"]).map(rec);
  const groups = arr(exp["groups"]).map(rec);
  const {
    roles: _r,
    groups: _g,
    clients: _c,
    identityProviders: _i,
    identityProviderMappers: _m,
    authenticationFlows: _f,
    requiredActions: _a,
    ...realm
  } = exp;
  return {
    realm,
    roles: realmRoles.map((r) => ({
      id: str(r["id"]),
      name: str(r["name"]),
      description: str(r["description"]),
      composites: strings(rec(r["composites"])["realm"]).sort(),
      attributes: listMap(r["attributes"]),
    })),
    groups: groups.map((g) => ({
      id: str(g["id"]),
      name: str(g["name"]),
      attributes: listMap(g["attributes"]),
      realmRoles: strings(g["realmRoles"]).sort(),
    })),
    clients: arr(exp["clients"]).map((c) => ({
      id: str(rec(c)["id"]),
      clientId: str(rec(c)["clientId"]),
      rep: rec(c),
    })),
    clientSecrets,
    idps: arr(exp["identityProviders"]).map(rec),
    idpMappers: arr(exp["identityProviderMappers"]).map((m) => {
      const r = rec(m);
      return {
        id: str(r["id"]),
        name: str(r["name"]),
        identityProviderAlias: str(r["identityProviderAlias"]),
        identityProviderMapper: str(r["identityProviderMapper"]),
        config: stringMap(r["config"]),
      };
    }),
    flows: flows(exp),
    requiredActions: arr(exp["requiredActions"]).map(rec),
  };
}
