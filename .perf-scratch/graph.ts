const which = process.argv[2]!;
await import(which);
globalThis.gc?.();
const m = process.memoryUsage(); console.log(which, "rss", (m.rss/1048576).toFixed(0), "heapUsed", (m.heapUsed/1048576).toFixed(0), "heapTotal", (m.heapTotal/1048576).toFixed(0), "ext", (m.external/1048576).toFixed(0));
