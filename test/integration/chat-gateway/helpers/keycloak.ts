// Chat-gateway view of the shared Keycloak helpers (test/helpers/keycloak.ts): a tenant realm
// with the `chat-gateway` client (audience mapper) and one user, plus signing-key rotation.
import {
  adminFetch,
  createClient as sharedCreateClient,
  createRealm as sharedCreateRealm,
  createUser as sharedCreateUser,
  issuerUrl,
  passwordGrantToken,
} from "../../../helpers/keycloak.ts";

export { passwordGrantToken };

/** Issuer URL of a realm (what the gateway is configured with). */
export function issuerOf(realm: string): string {
  return issuerUrl(realm);
}

/** Creates a realm with the given access-token lifespan in seconds. */
export async function createRealm(realm: string, accessTokenLifespan = 300): Promise<void> {
  await sharedCreateRealm(realm, { accessTokenLifespan });
}

/** Creates a public client with direct access grants; `audience` adds an audience mapper. */
export async function createClient(
  realm: string,
  clientId: string,
  audience?: string,
): Promise<void> {
  await sharedCreateClient(realm, {
    clientId,
    publicClient: true,
    ...(audience === undefined ? {} : { audience }),
  });
}

/** Creates a user with a permanent password; returns its id (the token's `sub`). */
export function createUser(realm: string, username: string, password: string): Promise<string> {
  return sharedCreateUser(realm, { username, password });
}

/** Adds a new RSA signing key with a higher priority (key rotation). */
export async function rotateSigningKey(realm: string): Promise<void> {
  const r = encodeURIComponent(realm);
  const realmRep = (await (await adminFetch("GET", `/${r}`)).json()) as { id: string };
  await adminFetch("POST", `/${r}/components`, {
    name: `rotated-${Date.now()}`,
    providerId: "rsa-generated",
    providerType: "org.keycloak.keys.KeyProvider",
    parentId: realmRep.id,
    config: {
      priority: ["1000"],
      enabled: ["true"],
      active: ["true"],
      algorithm: ["RS256"],
      keySize: ["2048"],
    },
  });
}

export interface TenantRealm {
  realm: string;
  tenant: string;
  issuer: string;
  userId: string;
  username: string;
  password: string;
  token(): Promise<string>;
}

/** A realm with client `chat-gateway` (audience mapper) and one user, mapped to `tenant`. */
export async function tenantRealm(
  realm: string,
  tenant: string,
  lifespan = 300,
): Promise<TenantRealm> {
  await createRealm(realm, lifespan);
  await createClient(realm, "chat-gateway", "chat-gateway");
  const username = `user-${tenant}`;
  const password = `pw-${tenant}`;
  const userId = await createUser(realm, username, password);
  return {
    realm,
    tenant,
    issuer: issuerOf(realm),
    userId,
    username,
    password,
    token: () => passwordGrantToken(realm, "chat-gateway", username, password),
  };
}
