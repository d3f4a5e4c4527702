// The webhook table: one entry per webhook, with its route, watched resource and failure policy.
// The reasons for each failurePolicy are in webhooks/README.md ("Rules and failure policies").
import { defaultAIModel } from "./aimodel.ts";
import { defaultAssistant, validateAssistant } from "./assistant.ts";
import { validateChaosPolicy } from "./chaospolicy.ts";
import { validateChatRegion } from "./chatregion.ts";
import { defaultTenant, validateTenant } from "./tenant.ts";
import type { WebhookHandler } from "./types.ts";
import { KINDS } from "./types.ts";

/** Every webhook served, in registration order. */
export const HANDLERS: readonly WebhookHandler[] = [
  // Validating: fail closed. Each guards a boundary the controllers cannot restore afterwards.
  {
    type: "validating",
    name: "assistant",
    kind: KINDS.Assistant,
    failurePolicy: "Fail",
    validate: validateAssistant,
  },
  {
    type: "validating",
    name: "chaospolicy",
    kind: KINDS.ChaosPolicy,
    failurePolicy: "Fail",
    validate: validateChaosPolicy,
  },
  {
    type: "validating",
    name: "chatregion",
    kind: KINDS.ChatRegion,
    failurePolicy: "Fail",
    validate: validateChatRegion,
  },
  {
    type: "validating",
    name: "tenant",
    kind: KINDS.Tenant,
    failurePolicy: "Fail",
    validate: validateTenant,
  },
  // Mutating: fail open. Every default is also computed by the controllers and validators
  // (effective values), so a skipped default changes what is stored, not what happens.
  {
    type: "mutating",
    name: "aimodel",
    kind: KINDS.AIModel,
    failurePolicy: "Ignore",
    default: defaultAIModel,
  },
  {
    type: "mutating",
    name: "assistant",
    kind: KINDS.Assistant,
    failurePolicy: "Ignore",
    default: defaultAssistant,
  },
  {
    type: "mutating",
    name: "tenant",
    kind: KINDS.Tenant,
    failurePolicy: "Ignore",
    default: defaultTenant,
  },
];

/** URL path of a handler: `/validate/<name>` or `/mutate/<name>`. */
export function handlerPath(h: Pick<WebhookHandler, "type" | "name">): string {
  return `/${h.type === "validating" ? "validate" : "mutate"}/${h.name}`;
}
