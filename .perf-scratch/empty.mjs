const x = 1;
globalThis.gc?.();
const m = process.memoryUsage(); console.log("rss", (m.rss/1048576).toFixed(0), "heapUsed", (m.heapUsed/1048576).toFixed(0), "heapTotal", (m.heapTotal/1048576).toFixed(0), "ext", (m.external/1048576).toFixed(0), "ab", (m.arrayBuffers/1048576).toFixed(0), x);
