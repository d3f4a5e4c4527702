// One Keycloak admin client per (URL, client ID, secret), shared by every Tenant that uses the same
// credentials so they share one cached token. Secrets are only used as part of an in-memory key
// (hashed) and never leave the process.
import type { KeycloakAdminOptions, RequestCounter } from "../../../operators/clients/keycloak.ts";
import { KeycloakAdmin, KeycloakError } from "../../../operators/clients/keycloak.ts";
import { realmApi } from "./api.ts";
import { OWNER_ATTRIBUTE } from "./desired.ts";
import { secretHash } from "./steps.ts";
import type { RealmApi } from "./sync.ts";

export interface KeycloakCredentials {
  url: string;
  clientId: string;
  clientSecret: string;
}

export interface KeycloakConnection {
  api: RealmApi;
  /** Deletes the realm if it carries our owner attribute; "gone" if it did not exist, "foreign" if not ours. */
  deleteOwnedRealm(realm: string, tenant: string): Promise<"deleted" | "gone" | "foreign">;
}

export type KeycloakConnector = (c: KeycloakCredentials) => KeycloakConnection;

/** The production connector: cached KeycloakAdmin instances counting into `counter`. */
export function keycloakConnector(
  counter: RequestCounter | undefined,
  extra: Partial<KeycloakAdminOptions> = {},
): KeycloakConnector {
  const cache = new Map<string, KeycloakAdmin>();
  return (c) => {
    const key = `${c.url}\n${c.clientId}\n${secretHash(c.clientSecret)}`;
    let kc = cache.get(key);
    if (kc === undefined) {
      // A rotated secret makes a new key; drop clients of the same URL and client ID.
      for (const k of cache.keys()) if (k.startsWith(`${c.url}\n${c.clientId}\n`)) cache.delete(k);
      kc = new KeycloakAdmin({
        ...extra,
        url: c.url,
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        ...(counter !== undefined ? { counter } : {}),
      });
      cache.set(key, kc);
    }
    const admin = kc;
    return {
      api: realmApi(admin),
      async deleteOwnedRealm(realm, tenant) {
        const path = `/${encodeURIComponent(realm)}`;
        let rep: { attributes?: Record<string, unknown> };
        try {
          rep = (await admin.request("GET", path)).body as typeof rep;
        } catch (err) {
          if (err instanceof KeycloakError && (err.status === 404 || err.status === 403))
            return err.status === 404 ? "gone" : "foreign";
          throw err;
        }
        if (rep.attributes?.[OWNER_ATTRIBUTE] !== tenant) return "foreign";
        await admin.request("DELETE", path);
        return "deleted";
      },
    };
  };
}
