// RealmApi over the Keycloak admin client: one partial export per read (realm settings, roles,
// groups, clients, identity providers, flows) plus one GET per confidential client secret.
import { KeycloakError } from "../../../operators/clients/keycloak.ts";
import type { KeycloakAdmin } from "../../../operators/clients/keycloak.ts";
import { parseExport } from "./state.ts";
import type { RealmState, Rep } from "./state.ts";
import type { RealmApi } from "./sync.ts";

const enc = encodeURIComponent;

/** The realm exists but this operator's Keycloak client may not read it (someone else's realm). */
export class RealmForbiddenError extends Error {
  override name = "RealmForbiddenError";
}

export function realmApi(kc: KeycloakAdmin): RealmApi {
  return {
    async read(realm, secretsOf): Promise<RealmState | undefined> {
      let exp: Rep;
      try {
        exp = (
          await kc.request(
            "POST",
            `/${enc(realm)}/partial-export?exportClients=true&exportGroupsAndRoles=true`,
          )
        ).body as Rep;
      } catch (err) {
        if (err instanceof KeycloakError && err.status === 404) return undefined;
        if (err instanceof KeycloakError && err.status === 403) {
          throw new RealmForbiddenError(
            `Keycloak realm "${realm}" exists and the operator's client may not manage it (it did not create it)`,
            { cause: err },
          );
        }
        throw err;
      }
      const state = parseExport(exp);
      for (const clientId of secretsOf) {
        const c = state.clients.find((x) => x.clientId === clientId);
        if (c === undefined) continue;
        const s = (await kc.request("GET", `/${enc(realm)}/clients/${enc(c.id)}/client-secret`))
          .body as { value?: string } | undefined;
        state.clientSecrets[clientId] = s?.value;
      }
      return state;
    },
    async request(method, path, body) {
      const res = await kc.request(method, path, body);
      // Realm creators get their admin roles in new tokens only: fetch one after creating a realm.
      if (method === "POST" && path === "") kc.invalidate();
      return res;
    },
  };
}
