import { startOperator } from "../test/helpers/operator.ts";
import { readFileSync } from "node:fs";
const op = await startOperator({ kubeconfig: process.env["KUBECONFIG"]!, args: ["--namespace", "default", "--leader-elect=false"], env: { NODE_OPTIONS: process.env["OP_NODE_OPTIONS"] ?? "" } });
await new Promise((r) => setTimeout(r, 3000));
const s = readFileSync(`/proc/${op.child.pid}/status`, "utf8");
console.log("idle", /VmRSS:\s+(\d+)/.exec(s)?.[1], "kB");
await op.stop();
