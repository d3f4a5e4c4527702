// Preload that lets Portkey's gateway (npm @portkey-ai/gateway 1.15.2) stream at all in the
// benchmark: on a streaming call to an OpenAI-compatible custom host it passes the provider's
// `fetch` Response through and then appends its own headers to it, which Node's fetch forbids
// (its Response headers are immutable: every stream failed with a 500, "TypeError: immutable",
// on Node 24.21 and on Node 22.23 alike). Re-wrapping each fetch Response in a new Response
// (same status, headers and body stream, nothing buffered) makes the headers mutable, as
// Portkey expects. The cost, one Response object per upstream call, is Portkey's to carry in the
// numbers; it is said so in the README's benchmark row.
// Used as `node --import ./bench/portkey-fetch-shim.ts <portkey server>`.
const upstreamFetch = globalThis.fetch;

globalThis.fetch = async (
  input: Parameters<typeof fetch>[0],
  init?: Parameters<typeof fetch>[1],
): Promise<Response> => {
  const r = await upstreamFetch(input, init);
  return new Response(r.body, { status: r.status, statusText: r.statusText, headers: r.headers });
};
