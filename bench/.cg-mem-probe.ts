// temporary probe (not committed)
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import WebSocket from "ws";
const { publicKey, privateKey } = await generateKeyPair("RS256");
const jwk = { ...(await exportJWK(publicKey)), kid: "k", alg: "RS256" };
const port = 47111;
const issuer = `http://127.0.0.1:${port}/realms/m`;
const srv = createServer((req, res) => res.end(JSON.stringify(req.url?.endsWith("certs") ? { keys: [jwk] } : { issuer, jwks_uri: `${issuer}/certs` })));
srv.listen(port, "127.0.0.1");
const token = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "k" }).setIssuer(issuer).setAudience("chat-gateway").setSubject("u1").setExpirationTime("1h").sign(privateKey);
const gp = 47112;
const proc = spawn(process.execPath, ["--expose-gc", "--import=/tmp/cgmem/gc-hook.mjs", ...(process.env["NODEFLAGS"] ? [process.env["NODEFLAGS"]] : []), "workloads/chat-gateway/src/server.ts"], { env: { ...process.env, CHAT_PORT: String(gp), CHAT_OIDC_ISSUERS: JSON.stringify([{ issuer, tenant: "m", audience: "chat-gateway" }]), LOG_LEVEL: "warn", CHAT_FRAMES_PER_SECOND: "1000" }, stdio: "inherit" });
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))![1]);
for (let i = 0; i < 100; i++) { try { if ((await fetch(`http://127.0.0.1:${gp}/readyz`)).ok) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }
const r = await fetch(`http://127.0.0.1:${gp}/v1/frames`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ v: 1, type: "send", content: "x", reply: false }) });
const conv = ((await r.json()) as { conversationId: string }).conversationId;
const N = Number(process.env["N"] ?? 2000);
const sub = process.env["SUB"] === "1";
await new Promise((r) => setTimeout(r, 2000));
proc.kill("SIGUSR2"); await new Promise((r) => setTimeout(r, 1000));
const r0 = rss();
const socks: WebSocket[] = [];
for (let i = 0; i < N; i += 50) {
  await Promise.all(Array.from({ length: 50 }, () => new Promise<void>((res) => {
    const ws = new WebSocket(`ws://127.0.0.1:${gp}/v1/ws`, { headers: { authorization: `Bearer ${token}` } });
    socks.push(ws);
    ws.once("open", () => { if (!sub) return res(); ws.send(JSON.stringify({ v: 1, type: "subscribe", conversationId: conv, after: 1 })); ws.on("message", (d) => { if (String(d).includes('"live"')) res(); }); });
  })));
}
await new Promise((r) => setTimeout(r, 3000));
proc.kill("SIGUSR2"); await new Promise((r) => setTimeout(r, 15000));
console.log(JSON.stringify({ N, sub, rss0: r0, rss1: rss(), perConnKb: (rss() - r0) / N }));
proc.kill("SIGKILL"); srv.close(); for (const s of socks) s.terminate(); process.exit(0);
