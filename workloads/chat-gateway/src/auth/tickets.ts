/**
 * Connection tickets for browsers: WebSocket and EventSource cannot set an Authorization header,
 * and a bearer token in the URL ends up in access logs and browser history. A client with a
 * token POSTs /v1/tickets and gets an opaque ticket that opens one connection (`?ticket=`),
 * valid for a short time (CHAT_TICKET_TTL_MS, 30 s by default) and only once. Tickets live in
 * Redis (any replica can redeem them) under the SHA-256 of the ticket, so not even a Redis dump
 * holds a usable credential; GETDEL makes redemption single-use across replicas.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Principal } from "./verifier.ts";

const PREFIX = "cg:t:";

function keyOf(ticket: string): string {
  return PREFIX + createHash("sha256").update(ticket).digest("base64url");
}

/** Issues and redeems tickets. */
export class TicketStore {
  readonly #redis: Redis;
  readonly #ttlMs: number;

  constructor(redis: Redis, ttlMs: number) {
    this.#redis = redis;
    this.#ttlMs = ttlMs;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** A new ticket for `p`; it expires with the token if that comes first. */
  async issue(p: Principal, now = Date.now()): Promise<{ ticket: string; expiresInMs: number }> {
    const ticket = randomBytes(32).toString("base64url");
    const ttl = Math.max(1, Math.min(this.#ttlMs, p.expiresAt - now));
    await this.#redis.set(keyOf(ticket), JSON.stringify(p), "PX", ttl);
    return { ticket, expiresInMs: ttl };
  }

  /** The principal of a ticket, once; null if unknown, expired or already used. */
  async redeem(ticket: string): Promise<Principal | null> {
    if (ticket.length > 128) return null;
    const raw = await this.#redis.getdel(keyOf(ticket));
    if (raw === null) return null;
    const p = JSON.parse(raw) as Principal;
    return p;
  }
}
