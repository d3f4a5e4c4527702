// Test set-up for the Tenant controller's Keycloak side: a confidential client in the master realm
// for the operator, holding only the master realm's create-realm role (the least privilege the
// README documents). Realms it creates become manageable by it (Keycloak grants a realm's creator
// the admin roles of that realm); realms made by others stay out of its reach.
import { randomBytes } from "node:crypto";
import { adminFetch } from "../../helpers/keycloak.ts";

export interface OperatorClient {
  clientId: string;
  secret: string;
}

/** Creates an operator client with a fresh secret and only the create-realm role. */
export async function createOperatorClient(
  clientId = `librechat-operator-${randomBytes(3).toString("hex")}`,
): Promise<OperatorClient> {
  const secret = randomBytes(24).toString("base64url");
  const res = await adminFetch("POST", "/master/clients", {
    clientId,
    enabled: true,
    protocol: "openid-connect",
    publicClient: false,
    clientAuthenticatorType: "client-secret",
    secret,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
  });
  const id = (res.headers.get("location") ?? "").split("/").pop() ?? "";
  const user = (await (
    await adminFetch("GET", `/master/clients/${id}/service-account-user`)
  ).json()) as { id: string };
  const role = (await (await adminFetch("GET", "/master/roles/create-realm")).json()) as {
    id: string;
    name: string;
  };
  await adminFetch("POST", `/master/users/${user.id}/role-mappings/realm`, [role]);
  return { clientId, secret };
}

/** Deletes an operator client made by createOperatorClient (nothing when it is already gone). */
export async function deleteOperatorClient(clientId: string): Promise<void> {
  const found = (await (
    await adminFetch("GET", `/master/clients?clientId=${encodeURIComponent(clientId)}`)
  ).json()) as { id: string }[];
  for (const c of found) await adminFetch("DELETE", `/master/clients/${c.id}`);
}
