// The ordered steps that make a Keycloak realm match a Tenant. Each step compares only the fields
// it manages (desired vs the read-back RealmState) and returns the drift it found plus the admin
// API writes that would fix it; the runner (sync.ts) decides from the sync mode whether to send
// them. Steps are pure: every branch is table-tested in steps.test.ts without a Keycloak.
import { createHash } from "node:crypto";
import type { DesiredExecution, DesiredFlow, DesiredRealm, Settings } from "./desired.ts";
import { AUDIENCE_MAPPER, MANAGED_ATTRIBUTE, OWNER_ATTRIBUTE } from "./desired.ts";
import type { ObservedFlow, RealmState, Rep } from "./state.ts";

/** One admin API call, relative to /admin/realms/{realm}. Bodies may hold secrets: never log them. */
export interface Write {
  method: "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  /** Creates something missing (allowed in CreateOnly mode). */
  create?: boolean;
  /** Short description for logs and Events (no values). */
  what: string;
}

/** Hashes of secrets last written per target (e.g. "idp/google"), kept by the caller in memory. */
export type SecretMemory = ReadonlyMap<string, string>;

export interface StepResult {
  /** Managed fields that differ, e.g. "realm.failureFactor", "roles[chat-admin]". */
  drift: string[];
  writes: Write[];
  /** Secret hashes to remember once the writes succeeded. */
  remember?: [string, string][];
}

export interface Step {
  name: string;
  diff(desired: DesiredRealm, observed: RealmState, secrets: SecretMemory): StepResult;
}

const enc = encodeURIComponent;
const MASK = "**********";

/** Hash of a secret value for change detection (the value itself is never kept or logged). */
export function secretHash(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** Loose equality for read-back values: arrays as sets, numbers vs numeric strings. */
export function sameValue(want: unknown, got: unknown): boolean {
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return false;
    const a = (want as unknown[]).map(String).sort();
    const b = (got as unknown[]).map(String).sort();
    return a.every((x, i) => x === b[i]);
  }
  if (want !== null && typeof want === "object") {
    const g = got !== null && typeof got === "object" ? (got as Rep) : {};
    return Object.entries(want as Rep).every(([k, v]) => sameValue(v, g[k]));
  }
  if (typeof want === "number" || typeof got === "number") return String(want) === String(got);
  return want === got;
}

/** The keys of `want` whose values differ in `got`. */
export function differingKeys(want: Settings, got: Rep): string[] {
  return Object.keys(want)
    .filter((k) => !sameValue(want[k], got[k]))
    .sort();
}

/** Normalises a password policy string (Keycloak may reorder the terms). */
function policyTerms(p: unknown): string {
  return typeof p === "string"
    ? p
        .split(/\s+and\s+/)
        .sort()
        .join(" and ")
    : "";
}

/** Realm fields that differ from the desired settings, attributes and SMTP server. */
function realmDrift(d: DesiredRealm, realm: Rep): string[] {
  const { passwordPolicy, ...rest } = d.settings;
  const drift = differingKeys(rest, realm).map((k) => `realm.${k}`);
  if (
    passwordPolicy !== undefined &&
    policyTerms(passwordPolicy) !== policyTerms(realm["passwordPolicy"])
  )
    drift.push("realm.passwordPolicy");
  const attrs = (realm["attributes"] ?? {}) as Rep;
  for (const k of differingKeys(d.attributes, attrs)) drift.push(`realm.attributes.${k}`);
  const smtp =
    d.smtp === undefined ? [] : differingKeys(d.smtp.server, (realm["smtpServer"] ?? {}) as Rep);
  for (const k of smtp) drift.push(`realm.smtp.${k}`);
  return drift.sort();
}

const realmSettings: Step = {
  name: "realm settings",
  diff(d, o) {
    const drift = realmDrift(d, o.realm);
    if (drift.length === 0) return { drift, writes: [] };
    const body: Rep = { ...d.settings, attributes: d.attributes };
    if (d.smtp !== undefined)
      body["smtpServer"] = {
        ...d.smtp.server,
        ...(d.smtp.password !== undefined ? { password: d.smtp.password } : {}),
      };
    return { drift, writes: [{ method: "PUT", path: "", body, what: "update realm settings" }] };
  },
};

const managedRole = (attrs: Record<string, string[]>): boolean =>
  attrs[MANAGED_ATTRIBUTE]?.[0] === "true";

const roles: Step = {
  name: "roles",
  diff(d, o) {
    const drift: string[] = [];
    const writes: Write[] = [];
    const have = new Map(o.roles.map((r) => [r.name, r]));
    for (const r of d.roles) {
      const cur = have.get(r.name);
      const body = {
        name: r.name,
        description: r.description,
        attributes: { [MANAGED_ATTRIBUTE]: ["true"] },
      };
      if (cur === undefined) {
        drift.push(`roles[${r.name}]`);
        writes.push({
          method: "POST",
          path: "/roles",
          body,
          create: true,
          what: `create role ${r.name}`,
        });
      } else if (cur.description !== r.description || !managedRole(cur.attributes)) {
        drift.push(`roles[${r.name}].description`);
        writes.push({
          method: "PUT",
          path: `/roles/${enc(r.name)}`,
          body: { ...body, attributes: { ...cur.attributes, ...body.attributes } },
          what: `update role ${r.name}`,
        });
      }
    }
    const wanted = new Set(d.roles.map((r) => r.name));
    for (const r of o.roles) {
      if (wanted.has(r.name) || !managedRole(r.attributes)) continue;
      drift.push(`roles[${r.name}] (not declared)`);
      writes.push({
        method: "DELETE",
        path: `/roles-by-id/${enc(r.id)}`,
        what: `delete role ${r.name}`,
      });
    }
    return { drift, writes };
  },
};

/** Role representations (id + name) for role-mapping bodies; unknown names are skipped. */
function roleRefs(o: RealmState, names: readonly string[]): Rep[] {
  const byName = new Map(o.roles.map((r) => [r.name, r]));
  return names.flatMap((n) => {
    const r = byName.get(n);
    return r === undefined ? [] : [{ id: r.id, name: r.name }];
  });
}

function setDiff(
  want: readonly string[],
  got: readonly string[],
): { add: string[]; remove: string[] } {
  return {
    add: want.filter((x) => !got.includes(x)),
    remove: got.filter((x) => !want.includes(x)),
  };
}

const roleComposites: Step = {
  name: "role composites",
  diff(d, o) {
    const drift: string[] = [];
    const writes: Write[] = [];
    for (const r of d.roles) {
      const cur = o.roles.find((x) => x.name === r.name);
      if (cur === undefined) continue;
      const { add, remove } = setDiff(r.composites, cur.composites);
      if (add.length + remove.length === 0) continue;
      drift.push(`roles[${r.name}].composites`);
      const path = `/roles-by-id/${enc(cur.id)}/composites`;
      if (add.length > 0)
        writes.push({
          method: "POST",
          path,
          body: roleRefs(o, add),
          what: `add composites to role ${r.name}`,
        });
      if (remove.length > 0)
        writes.push({
          method: "DELETE",
          path,
          body: roleRefs(o, remove),
          what: `remove composites from role ${r.name}`,
        });
    }
    return { drift, writes };
  },
};

/** The observed values of the attributes we manage; absent counts as empty (Keycloak stores no empty attribute). */
function managedAttributes(
  want: Readonly<Record<string, readonly string[]>>,
  got: Readonly<Record<string, readonly string[]>>,
): Record<string, readonly string[]> {
  return Object.fromEntries(Object.keys(want).map((k) => [k, got[k] ?? []]));
}

const groups: Step = {
  name: "groups",
  diff(d, o) {
    const drift: string[] = [];
    const writes: Write[] = [];
    for (const g of d.groups) {
      const cur = o.groups.find((x) => x.name === g.name);
      if (cur === undefined) {
        drift.push(`groups[${g.name}]`);
        writes.push({
          method: "POST",
          path: "/groups",
          body: { name: g.name, attributes: g.attributes },
          create: true,
          what: `create group ${g.name}`,
        });
      } else if (!sameValue(g.attributes, managedAttributes(g.attributes, cur.attributes))) {
        drift.push(`groups[${g.name}].attributes`);
        writes.push({
          method: "PUT",
          path: `/groups/${enc(cur.id)}`,
          body: { name: g.name, attributes: { ...cur.attributes, ...g.attributes } },
          what: `update group ${g.name}`,
        });
      }
    }
    const wanted = new Set(d.groups.map((g) => g.name));
    for (const g of o.groups) {
      if (wanted.has(g.name) || g.attributes[MANAGED_ATTRIBUTE]?.[0] !== "true") continue;
      drift.push(`groups[${g.name}] (not declared)`);
      writes.push({
        method: "DELETE",
        path: `/groups/${enc(g.id)}`,
        what: `delete group ${g.name}`,
      });
    }
    return { drift, writes };
  },
};

const groupRoles: Step = {
  name: "group role mappings",
  diff(d, o) {
    const drift: string[] = [];
    const writes: Write[] = [];
    for (const g of d.groups) {
      const cur = o.groups.find((x) => x.name === g.name);
      if (cur === undefined) continue;
      const { add, remove } = setDiff(g.realmRoles, cur.realmRoles);
      if (add.length + remove.length === 0) continue;
      drift.push(`groups[${g.name}].realmRoles`);
      const path = `/groups/${enc(cur.id)}/role-mappings/realm`;
      if (add.length > 0)
        writes.push({
          method: "POST",
          path,
          body: roleRefs(o, add),
          what: `grant roles to group ${g.name}`,
        });
      if (remove.length > 0)
        writes.push({
          method: "DELETE",
          path,
          body: roleRefs(o, remove),
          what: `revoke roles from group ${g.name}`,
        });
    }
    return { drift, writes };
  },
};

/** Drift and the write of one declared client against what Keycloak has (undefined: missing). */
function clientDiff(
  c: DesiredRealm["clients"][number],
  cur: RealmState["clients"][number] | undefined,
): StepResult {
  if (cur === undefined) {
    const body = {
      clientId: c.clientId,
      ...c.rep,
      ...(c.secret !== undefined ? { secret: c.secret } : {}),
      ...(c.audienceMapper !== undefined ? { protocolMappers: [c.audienceMapper] } : {}),
    };
    return {
      drift: [`clients[${c.clientId}]`],
      writes: [
        {
          method: "POST",
          path: "/clients",
          body,
          create: true,
          what: `create client ${c.clientId}`,
        },
      ],
    };
  }
  const keys = differingKeys(c.rep, cur.rep);
  if (keys.length === 0) return { drift: [], writes: [] };
  const attributes = { ...((cur.rep["attributes"] ?? {}) as Rep), ...(c.rep["attributes"] as Rep) };
  return {
    drift: keys.map((k) => `clients[${c.clientId}].${k}`),
    writes: [
      {
        method: "PUT",
        path: `/clients/${enc(cur.id)}`,
        body: { clientId: c.clientId, ...c.rep, attributes },
        what: `update client ${c.clientId}`,
      },
    ],
  };
}

const clients: Step = {
  name: "clients",
  diff(d, o) {
    const drift: string[] = [];
    const writes: Write[] = [];
    for (const c of d.clients) {
      const r = clientDiff(
        c,
        o.clients.find((x) => x.clientId === c.clientId),
      );
      drift.push(...r.drift);
      writes.push(...r.writes);
    }
    const wanted = new Set(d.clients.map((c) => c.clientId));
    for (const c of o.clients) {
      const attrs = (c.rep["attributes"] ?? {}) as Rep;
      if (wanted.has(c.clientId) || attrs[MANAGED_ATTRIBUTE] !== "true") continue;
      drift.push(`clients[${c.clientId}] (not declared)`);
      writes.push({
        method: "DELETE",
        path: `/clients/${enc(c.id)}`,
        what: `delete client ${c.clientId}`,
      });
    }
    return { drift, writes };
  },
};

/** The audience mapper of each existing declared client: added, corrected or removed. */
const clientAudience: Step = {
  name: "client audience",
  diff(d, o) {
    const drift: string[] = [];
    const writes: Write[] = [];
    for (const c of d.clients) {
      const cur = o.clients.find((x) => x.clientId === c.clientId);
      if (cur === undefined) continue; // created with its mapper by the clients step
      const base = `/clients/${enc(cur.id)}/protocol-mappers/models`;
      const have = arrOf(cur.rep["protocolMappers"]).find((m) => m["name"] === AUDIENCE_MAPPER);
      const want = c.audienceMapper;
      if (want === undefined) {
        if (have === undefined) continue;
        drift.push(`clients[${c.clientId}].protocolMappers[${AUDIENCE_MAPPER}] (not wanted)`);
        writes.push({
          method: "DELETE",
          path: `${base}/${enc(String(have["id"]))}`,
          what: `remove the audience mapper of client ${c.clientId}`,
        });
      } else if (have === undefined) {
        drift.push(`clients[${c.clientId}].protocolMappers[${AUDIENCE_MAPPER}]`);
        writes.push({
          method: "POST",
          path: base,
          body: want,
          create: true,
          what: `add the audience mapper of client ${c.clientId}`,
        });
      } else if (
        have["protocolMapper"] !== want.protocolMapper ||
        !sameValue(want.config, have["config"])
      ) {
        drift.push(`clients[${c.clientId}].protocolMappers[${AUDIENCE_MAPPER}].config`);
        writes.push({
          method: "PUT",
          path: `${base}/${enc(String(have["id"]))}`,
          body: { ...want, id: have["id"] },
          what: `correct the audience mapper of client ${c.clientId}`,
        });
      }
    }
    return { drift, writes };
  },
};

const arrOf = (v: unknown): Rep[] =>
  Array.isArray(v)
    ? (v as unknown[]).filter((x): x is Rep => typeof x === "object" && x !== null)
    : [];

const clientSecrets: Step = {
  name: "client secrets",
  diff(d, o) {
    const drift: string[] = [];
    const writes: Write[] = [];
    for (const c of d.clients) {
      const cur = o.clients.find((x) => x.clientId === c.clientId);
      if (!c.confidential || c.secret === undefined || cur === undefined) continue;
      if (o.clientSecrets[c.clientId] === c.secret) continue;
      drift.push(`clients[${c.clientId}].secret`);
      writes.push({
        method: "PUT",
        path: `/clients/${enc(cur.id)}`,
        body: { clientId: c.clientId, secret: c.secret },
        what: `set secret of client ${c.clientId}`,
      });
    }
    return { drift, writes };
  },
};

/** Drift and writes of one declared identity provider against what Keycloak has. */
function idpDiff(
  p: DesiredRealm["idps"][number],
  cur: Rep | undefined,
  secrets: SecretMemory,
): StepResult {
  const key = `idp/${p.alias}`;
  const hash = p.clientSecret === undefined ? undefined : secretHash(p.clientSecret);
  const remember: [string, string][] = hash === undefined ? [] : [[key, hash]];
  const config = { ...p.rep.config, [MANAGED_ATTRIBUTE]: "true" };
  if (cur === undefined) {
    const body = { ...p.rep, config: { ...config, clientSecret: p.clientSecret ?? "" } };
    return {
      drift: [`identityProviders[${p.alias}]`],
      writes: [
        {
          method: "POST",
          path: "/identity-provider/instances",
          body,
          create: true,
          what: `create identity provider ${p.alias}`,
        },
      ],
      remember,
    };
  }
  const secretChanged = hash !== undefined && secrets.get(key) !== hash;
  return { ...idpUpdate(p, cur, config, secretChanged), remember };
}

/** The update of an existing identity provider: drifted fields (and the secret) in one PUT. */
function idpUpdate(
  p: DesiredRealm["idps"][number],
  cur: Rep,
  config: Rep,
  secretChanged: boolean,
): StepResult {
  const { config: _c, ...fields } = p.rep;
  const curConfig = (cur["config"] ?? {}) as Rep;
  const drift = [
    ...differingKeys(fields, cur),
    ...differingKeys(config, curConfig).map((k) => `config.${k}`),
  ].map((k) => `identityProviders[${p.alias}].${k}`);
  if (secretChanged) drift.push(`identityProviders[${p.alias}].clientSecret`);
  if (drift.length === 0) return { drift: [], writes: [] };
  // PUT replaces the whole provider: keep what Keycloak added, send the masked secret back when
  // we have no value (Keycloak then keeps the stored one).
  const body = {
    ...cur,
    ...fields,
    config: { ...curConfig, ...config, clientSecret: p.clientSecret ?? MASK },
  };
  return {
    drift,
    writes: [
      {
        method: "PUT",
        path: `/identity-provider/instances/${enc(p.alias)}`,
        body,
        what: `update identity provider ${p.alias}`,
      },
    ],
  };
}

const identityProviders: Step = {
  name: "identity providers",
  diff(d, o, secrets) {
    const out: Required<StepResult> = { drift: [], writes: [], remember: [] };
    for (const p of d.idps) {
      const r = idpDiff(
        p,
        o.idps.find((x) => x["alias"] === p.alias),
        secrets,
      );
      out.drift.push(...r.drift);
      out.writes.push(...r.writes);
      if (r.writes.length > 0) out.remember.push(...(r.remember ?? []));
    }
    const wanted = new Set(d.idps.map((p) => p.alias));
    for (const p of o.idps) {
      const alias = String(p["alias"]);
      if (wanted.has(alias) || ((p["config"] ?? {}) as Rep)[MANAGED_ATTRIBUTE] !== "true") continue;
      out.drift.push(`identityProviders[${alias}] (not declared)`);
      out.writes.push({
        method: "DELETE",
        path: `/identity-provider/instances/${enc(alias)}`,
        what: `delete identity provider ${alias}`,
      });
    }
    return out;
  },
};

const idpMappers: Step = {
  name: "identity provider mappers",
  diff(d, o) {
    const drift: string[] = [];
    const writes: Write[] = [];
    for (const p of d.idps) {
      if (!o.idps.some((x) => x["alias"] === p.alias)) continue;
      const have = o.idpMappers.filter((m) => m.identityProviderAlias === p.alias);
      const base = `/identity-provider/instances/${enc(p.alias)}/mappers`;
      for (const m of p.mappers) {
        const cur = have.find((x) => x.name === m.name);
        const body = {
          name: m.name,
          identityProviderAlias: p.alias,
          identityProviderMapper: m.identityProviderMapper,
          config: m.config,
        };
        if (cur === undefined) {
          drift.push(`identityProviders[${p.alias}].mappers[${m.name}]`);
          writes.push({
            method: "POST",
            path: base,
            body,
            create: true,
            what: `create mapper ${m.name} of ${p.alias}`,
          });
        } else if (
          cur.identityProviderMapper !== m.identityProviderMapper ||
          !sameValue(m.config, cur.config)
        ) {
          drift.push(`identityProviders[${p.alias}].mappers[${m.name}]`);
          writes.push({
            method: "PUT",
            path: `${base}/${enc(cur.id)}`,
            body: { ...body, id: cur.id },
            what: `update mapper ${m.name} of ${p.alias}`,
          });
        }
      }
      for (const m of have) {
        if (p.mappers.some((x) => x.name === m.name)) continue;
        drift.push(`identityProviders[${p.alias}].mappers[${m.name}] (not declared)`);
        writes.push({
          method: "DELETE",
          path: `${base}/${enc(m.id)}`,
          what: `delete mapper ${m.name} of ${p.alias}`,
        });
      }
    }
    return { drift, writes };
  },
};

const requiredActions: Step = {
  name: "required actions",
  diff(d, o) {
    const drift: string[] = [];
    const writes: Write[] = [];
    for (const a of d.requiredActions) {
      const cur = o.requiredActions.find((x) => x["alias"] === a.alias);
      if (cur === undefined) continue; // built into Keycloak; nothing to create
      if (cur["enabled"] === a.enabled && cur["defaultAction"] === a.defaultAction) continue;
      drift.push(`requiredActions[${a.alias}]`);
      writes.push({
        method: "PUT",
        path: `/authentication/required-actions/${enc(a.alias)}`,
        body: { ...cur, enabled: a.enabled, defaultAction: a.defaultAction },
        what: `update required action ${a.alias}`,
      });
    }
    return { drift, writes };
  },
};

function sameExecution(
  want: DesiredExecution,
  got: ObservedFlow["executions"][number] | undefined,
): boolean {
  if (got === undefined) return false;
  const shape = (e: { requirement?: string; authenticator?: string; flowAlias?: string }): string =>
    `${e.requirement ?? ""}|${e.authenticator ?? ""}|${e.flowAlias ?? ""}`;
  if (shape(want) !== shape(got)) return false;
  return want.config === undefined || sameValue(want.config, got.config ?? {});
}

function sameFlow(want: DesiredFlow, got: ObservedFlow | undefined): boolean {
  return (
    got !== undefined &&
    got.executions.length === want.executions.length &&
    want.executions.every((e, i) => sameExecution(e, got.executions[i]))
  );
}

/** Flow aliases this operator may create (the step-up flows); only these are ever deleted. */
export const OWNED_FLOW_PREFIX = "librechat-";

/**
 * Step-up flows. A flow that differs is rebuilt (delete, then create with its executions), which
 * needs ids returned by earlier calls: the runner performs it with `rebuildFlows`; this step only
 * reports drift and the binding write.
 */
export const stepUpFlows: Step = {
  name: "step-up flows",
  diff(d, o) {
    const bound = o.realm["directGrantFlow"];
    if (d.stepUp === undefined) return removeOwnFlows(o);
    const drift = d.stepUp.flows
      .filter(
        (f) =>
          !sameFlow(
            f,
            o.flows.find((x) => x.alias === f.alias),
          ),
      )
      .map((f) => `flows[${f.alias}]`);
    if (bound !== d.stepUp.bindings.directGrantFlow) drift.push("realm.directGrantFlow");
    return { drift, writes: [] };
  },
};

/** Without stepUp: bind the built-in direct grant flow again and delete ours. */
function removeOwnFlows(o: RealmState): StepResult {
  const bound = o.realm["directGrantFlow"];
  const ours = o.flows.filter((f) => f.topLevel && f.alias.startsWith(OWNED_FLOW_PREFIX));
  const writes: Write[] = [];
  if (typeof bound === "string" && bound.startsWith(OWNED_FLOW_PREFIX))
    writes.push({
      method: "PUT",
      path: "",
      body: { directGrantFlow: "direct grant" },
      what: "bind the built-in direct grant flow",
    });
  for (const f of ours)
    writes.push({
      method: "DELETE",
      path: `/authentication/flows/${enc(f.id)}`,
      what: `delete flow ${f.alias}`,
    });
  return { drift: ours.map((f) => `flows[${f.alias}] (not declared)`), writes };
}

/** The steps, in the order they run (later steps see what earlier ones created). */
export const STEPS: readonly Step[] = [
  realmSettings,
  roles,
  roleComposites,
  groups,
  groupRoles,
  clients,
  clientAudience,
  clientSecrets,
  identityProviders,
  idpMappers,
  requiredActions,
  stepUpFlows,
];

/** Owner check on a realm: ours, free to adopt, or someone else's. */
export function realmOwnership(
  o: RealmState,
  tenant: string,
): "ours" | "unmarked" | { owner: string } {
  const attrs = (o.realm["attributes"] ?? {}) as Rep;
  const owner = attrs[OWNER_ATTRIBUTE];
  if (owner === tenant) return "ours";
  if (typeof owner === "string" && owner !== "") return { owner };
  return "unmarked";
}
