// `make demo`, one chat turn through the whole platform: signs in to the Tenant's realm as the demo
// user (password grant of the demo's public client), opens the ChatRegion fleet's WebSocket (the
// chat gateway pods the operator rendered, run by the bridge), sends one message to the Assistant
// and prints the reply. The reply went chat gateway → inference gateway (routing rendered from
// the CRs, the Tenant's key) → the test upstream, which echoes what it received: the Assistant's
// instructions are in it. Env: KEYCLOAK_URL, DEMO_REALM, DEMO_USER, DEMO_PASSWORD, DEMO_CLIENT,
// DEMO_CHAT_URL (ws://…/v1/ws), DEMO_MODEL.
import { TestClient } from "../test/integration/chat-gateway/helpers/gateway.ts";

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`${name} is not set`);
  return v;
}

async function token(): Promise<string> {
  const res = await fetch(
    `${env("KEYCLOAK_URL")}/realms/${env("DEMO_REALM")}/protocol/openid-connect/token`,
    {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "password",
        client_id: env("DEMO_CLIENT"),
        username: env("DEMO_USER"),
        password: env("DEMO_PASSWORD"),
        scope: "openid",
      }),
    },
  );
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function main(): Promise<void> {
  const model = env("DEMO_MODEL");
  const c = new TestClient(env("DEMO_CHAT_URL"), await token());
  try {
    await c.opened;
    const welcome = await c.waitFor((f) => f.type === "welcome");
    const content = "Hello! What can you do?";
    const acc = await c.request({ type: "send", content, model });
    if (acc.type !== "accepted") throw new Error(`not accepted: ${JSON.stringify(acc)}`);
    const conversationId = String(acc["conversationId"]);
    await c.request({ type: "subscribe", conversationId, after: 0 });
    const ev = await c.replyEnd();
    process.stdout.write(
      [
        `Chat turn through the platform (replica ${String(welcome["replica"])}, tenant ${String(welcome["tenantId"])}):`,
        `  you → ${model}: ${content}`,
        `  ${ev.type === "reply.completed" ? "reply" : ev.type}: ${ev.content}`,
        "",
      ].join("\n"),
    );
    if (ev.type !== "reply.completed") process.exitCode = 1;
  } finally {
    await c.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo-chat: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
