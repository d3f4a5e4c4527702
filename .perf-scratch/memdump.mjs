// Preload for measurements only: on SIGUSR2 append V8 heap space stats and memoryUsage to /tmp/memdump-<pid>.txt.
import v8 from "node:v8";
import { appendFileSync, readFileSync } from "node:fs";
const dump = (doGc) => {
  const before = process.memoryUsage();
  if (doGc) globalThis.gc?.();
  const mu = process.memoryUsage();
  const MB = (n) => (n / 1048576).toFixed(1);
  const st = readFileSync("/proc/self/status", "utf8");
  const lines = [`--- beforeGC rss=${MB(before.rss)} heapTotal=${MB(before.heapTotal)} heapUsed=${MB(before.heapUsed)}\n--- ${new Date().toISOString()} rss=${MB(mu.rss)} heapTotal=${MB(mu.heapTotal)} heapUsed=${MB(mu.heapUsed)} external=${MB(mu.external)} arrayBuffers=${MB(mu.arrayBuffers)} ${/VmHWM:\s+\d+ kB/.exec(st)?.[0]}`];
  for (const s of v8.getHeapSpaceStatistics()) lines.push(`${s.space_name.padEnd(24)} size=${MB(s.space_size)} used=${MB(s.space_used_size)} avail=${MB(s.space_available_size)} phys=${MB(s.physical_space_size)}`);
  const h = v8.getHeapStatistics();
  lines.push(`heap_size_limit=${MB(h.heap_size_limit)} malloced=${MB(h.malloced_memory)} peak_malloced=${MB(h.peak_malloced_memory)} external=${MB(h.external_memory)}`);
  if (process.env.MEMDUMP_SNAPSHOT === "1") lines.push(`snapshot ${v8.writeHeapSnapshot(`/tmp/op-${process.pid}-${Date.now()}.heapsnapshot`)}`);
  appendFileSync(`/tmp/memdump-${process.pid}.txt`, lines.join("\n") + "\n");
};
process.on("SIGUSR2", () => dump(false));
process.on("SIGWINCH", () => dump(true));
