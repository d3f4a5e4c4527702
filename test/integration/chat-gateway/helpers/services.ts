// Outages of the real services of the test environment: stop, start, freeze and thaw the recorded
// Redis, PostgreSQL and Keycloak processes through hack/services/ctl.sh (by recorded PID, same
// command, same port and data directory). Integration tests run one file at a time, so no other
// test sees the outage; every test restarts what it stopped (also when it fails).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const CTL = fileURLToPath(new URL("../../../../hack/services/ctl.sh", import.meta.url));

export type Service = "redis" | "postgres" | "keycloak";

/** Runs ctl.sh ACTION $TESTENV_DIR SERVICE; rejects with its output on failure. */
export function serviceCtl(
  action: "stop" | "start" | "freeze" | "thaw",
  service: Service,
  timeoutMs = 300_000,
): Promise<void> {
  const dir = process.env["TESTENV_DIR"];
  if (dir === undefined || dir === "") {
    return Promise.reject(
      new Error(
        "TESTENV_DIR is not set: outage tests need a test env started by hack/testenv/up.sh (hack/test.sh does it)",
      ),
    );
  }
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [CTL, action, dir, service],
      { timeout: timeoutMs },
      (err, _stdout, stderr) => {
        if (err === null) resolve();
        else reject(new Error(`ctl.sh ${action} ${service} failed: ${stderr}`, { cause: err }));
      },
    );
  });
}

/** Resident set size of a process in MiB (Linux /proc). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? "0");
  return kb / 1024;
}
