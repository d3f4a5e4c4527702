/**
 * Authentication as a Fastify plugin: the token verifier, connection tickets, and
 * `app.authenticate(req)` for HTTP routes. Bearer tokens are accepted only in the Authorization
 * header; a browser opens WebSocket/SSE connections with a single-use ticket (`?ticket=`) from
 * POST /v1/tickets, so no long-lived credential is ever part of a URL.
 */
import fp from "fastify-plugin";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { IssuerConfig } from "../config.ts";
import { ChatError } from "../errors.ts";
import { TicketStore } from "../auth/tickets.ts";
import { TokenVerifier, type Principal } from "../auth/verifier.ts";

export type { Principal } from "../auth/verifier.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the `authenticated` onRequest hook, before the body is read. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /**
     * An onRequest hook that authenticates before the body is read or parsed: a request without
     * valid credentials gets 401 whatever its body (no pre-auth parsing beyond the headers).
     */
    authenticated: (req: FastifyRequest) => Promise<void>;
    verifier: TokenVerifier;
    tickets: TicketStore;
    /** Principal of a request: Authorization bearer token (or `?ticket=` when `allowTicket`). */
    authenticate(req: FastifyRequest, allowTicket?: boolean): Promise<Principal>;
    /** Same for a raw upgrade request. */
    authenticateRaw(authorization: string | undefined, ticket: string | null): Promise<Principal>;
  }
}

export interface AuthPluginOptions {
  issuers: IssuerConfig[];
  ticketTtlMs: number;
  jwksCacheMs: number;
  jwksMaxStaleMs: number;
}

/** Bearer token of an Authorization header value, or null. */
export function bearerOf(h: string | undefined): string | null {
  if (typeof h !== "string" || !h.toLowerCase().startsWith("bearer ")) return null;
  const t = h.slice(7).trim();
  return t === "" ? null : t;
}

export default fp(
  function authPlugin(
    app: FastifyInstance,
    opts: AuthPluginOptions,
    done: (err?: Error) => void,
  ): void {
    const verifier = new TokenVerifier(opts.issuers, {
      jwksCacheMs: opts.jwksCacheMs,
      jwksMaxStaleMs: opts.jwksMaxStaleMs,
      onStale: (issuer, err) => {
        app.log.warn({ err, issuer }, "Failed to refresh signing keys; using cached keys");
      },
    });
    const tickets = new TicketStore(app.redis, opts.ticketTtlMs);
    const authenticateRaw = async (
      authorization: string | undefined,
      ticket: string | null,
    ): Promise<Principal> => {
      const token = bearerOf(authorization);
      if (token !== null) return verifier.verify(token);
      if (ticket === null || ticket === "")
        throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason: "missing token" });
      const p = await tickets.redeem(ticket);
      if (p === null)
        throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason: "unknown or used ticket" });
      if (p.expiresAt <= Date.now()) throw new ChatError("CG_ERR_TOKEN_EXPIRED");
      return p;
    };
    app.decorateRequest("principal", null);
    app.decorate("authenticated", async (req: FastifyRequest): Promise<void> => {
      req.principal = await authenticateRaw(req.headers.authorization, null);
    });
    app.decorate("verifier", verifier);
    app.decorate("tickets", tickets);
    app.decorate("authenticateRaw", authenticateRaw);
    app.decorate("authenticate", (req: FastifyRequest, allowTicket = false): Promise<Principal> => {
      const q = (req.query as Record<string, unknown> | undefined)?.["ticket"];
      return authenticateRaw(
        req.headers.authorization,
        allowTicket && typeof q === "string" ? q : null,
      );
    });
    done();
  },
  { name: "chat-auth", dependencies: ["chat-redis"] },
);
