// `make demo`, Tenant part: gives the operator a Keycloak client of its own (master realm, only the
// create-realm role), stores its secret and the sample's identity-provider secrets as Secrets,
// applies manifests/samples/tenant-acme.yaml (pointed at the demo Keycloak), waits until the Tenant
// is Ready, creates a user in the new realm and prints how to log in. Idempotent.
// Needs KUBECONFIG and KEYCLOAK_URL / KEYCLOAK_ADMIN / KEYCLOAK_ADMIN_PASSWORD in the environment.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const REPO = join(import.meta.dirname, "..");
const KC = (process.env["KEYCLOAK_URL"] ?? "").replace(/\/+$/, "");
const OPERATOR_CLIENT = "librechat-operator";
const USER = "acme-demo";
const PASSWORD = "Acme-Demo-Passw0rd!";

function kubectl(args: string[], input?: string): string {
  return execFileSync("bash", [join(REPO, "hack/kubectl.sh"), ...args], {
    input,
    encoding: "utf8",
  });
}

async function adminToken(): Promise<string> {
  const body = new URLSearchParams({
    grant_type: "password",
    client_id: "admin-cli",
    username: process.env["KEYCLOAK_ADMIN"] ?? "admin",
    password: process.env["KEYCLOAK_ADMIN_PASSWORD"] ?? "admin",
  });
  const res = await fetch(`${KC}/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    body,
  });
  if (!res.ok) throw new Error(`admin login failed: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${KC}/admin/realms${path}`, {
    method,
    headers: { authorization: `Bearer ${await adminToken()}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok && res.status !== 409)
    throw new Error(`Keycloak ${method} ${path} answered ${res.status}`);
  return res;
}

/** The operator's client in master (created once), its current secret. */
async function operatorClient(): Promise<string> {
  let found = (await (
    await admin("GET", `/master/clients?clientId=${OPERATOR_CLIENT}`)
  ).json()) as { id: string }[];
  if (found.length === 0) {
    await admin("POST", "/master/clients", {
      clientId: OPERATOR_CLIENT,
      enabled: true,
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
    });
    found = (await (await admin("GET", `/master/clients?clientId=${OPERATOR_CLIENT}`)).json()) as {
      id: string;
    }[];
  }
  const id = found[0]?.id ?? "";
  const user = (await (
    await admin("GET", `/master/clients/${id}/service-account-user`)
  ).json()) as { id: string };
  const role = await (await admin("GET", "/master/roles/create-realm")).json();
  await admin("POST", `/master/users/${user.id}/role-mappings/realm`, [role]);
  return (
    (await (await admin("GET", `/master/clients/${id}/client-secret`)).json()) as { value: string }
  ).value;
}

function secret(namespace: string, name: string, value: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    type: "Opaque",
    stringData: { "client-secret": value },
  });
}

async function main(): Promise<void> {
  if (KC === "") throw new Error("KEYCLOAK_URL is not set");
  const sample = parse(readFileSync(join(REPO, "manifests/samples/tenant-acme.yaml"), "utf8")) as {
    spec: {
      identity: {
        keycloak: Record<string, unknown>;
        realm: { name: string };
        clients: Record<string, unknown>[];
      };
      models: { allowed: string[] };
    };
  };
  sample.spec.identity.keycloak["url"] = KC;
  // The demo's chat turn signs in from the command line (hack/demo-chat.ts), and the Tenant may
  // call the demo's model and Assistant (served by the test upstream, hack/demo.sh).
  sample.spec.identity.clients.push({
    clientId: "demo-cli",
    type: "public",
    directAccessGrants: true,
  });
  sample.spec.models.allowed.push("demo-echo", "acme-helper");
  // The web client the demo's chat fleet serves signs in from its local address.
  const origin = process.env["DEMO_CHAT_ORIGIN"];
  const web = sample.spec.identity.clients.find((c) => c["clientId"] === "chat-web");
  if (origin !== undefined && web !== undefined) {
    web["redirectUris"] = [`${origin}/*`];
    web["webOrigins"] = [origin];
  }
  const secrets = [secret("librechat-system", "acme-keycloak-admin", await operatorClient())];
  // The sample's social logins need real provider credentials; the demo stores placeholders.
  for (const idp of ["acme-idp-google", "acme-idp-github", "acme-idp-microsoft"])
    secrets.push(
      secret("librechat-system", idp, `demo-placeholder-${randomBytes(6).toString("hex")}`),
    );
  for (const s of secrets)
    kubectl(["apply", "--server-side", "--field-manager=librechat-demo", "-f", "-"], s);
  kubectl(
    ["apply", "--server-side", "--field-manager=librechat-demo", "-f", "-"],
    JSON.stringify(sample),
  );
  kubectl(["wait", "--for=condition=Ready", "tenant/acme", "--timeout=300s"]);
  const realm = sample.spec.identity.realm.name;
  await admin("POST", `/${realm}/users`, {
    username: USER,
    enabled: true,
    email: "acme-demo@acme.example",
    emailVerified: true,
    firstName: "Acme",
    lastName: "Demo",
    requiredActions: [],
    credentials: [{ type: "password", value: PASSWORD, temporary: false }],
  });
  process.stdout.write(
    [
      `Tenant acme is Ready: namespaces ${kubectl(["get", "tenant", "acme", "-o", "jsonpath={.status.namespaces[*].name}"])}, Keycloak realm "${realm}".`,
      `  Realm (OIDC issuer): ${KC}/realms/${realm}`,
      `  Log in (account console): ${KC}/realms/${realm}/account   user ${USER} / ${PASSWORD}`,
      `  Realm settings as the operator keeps them: ${KC}/admin/master/console/#/${realm}   (admin / admin)`,
      `  Generated client secret of "librechat": Secret acme-chat/acme-librechat-oidc (written by the operator)`,
      "",
    ].join("\n"),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`demo-tenant: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
