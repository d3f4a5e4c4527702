// The webhook table: one entry per webhook, with its route, watched resource and failure policy.
// The reasons for each failurePolicy are in webhooks/README.md ("Rules and failure policies").
import { defaultAIModel, validateAIModel } from "./aimodel.ts";
import { defaultAssistant, validateAssistant } from "./assistant.ts";
import { validateChaosPolicy } from "./chaospolicy.ts";
import { validateChatRegion } from "./chatregion.ts";
import { defaultTenant, validateTenant } from "./tenant.ts";
import type { WebhookHandler } from "./types.ts";
import { AIMODEL_KIND } from "../crds/aimodel/v1alpha1/kind.ts";
import { ASSISTANT_KIND } from "../crds/assistant/v1alpha1/kind.ts";
import { CHAOSPOLICY_KIND } from "../crds/chaospolicy/v1alpha1/kind.ts";
import { CHATREGION_KIND } from "../crds/chatregion/v1alpha1/kind.ts";
import { TENANT_KIND } from "../crds/tenant/v1alpha1/kind.ts";

/** Every webhook served, in registration order. */
export const HANDLERS: readonly WebhookHandler[] = [
  // Validating: fail closed. Each guards a boundary the controllers cannot restore afterwards.
  {
    type: "validating",
    name: "aimodel",
    kind: AIMODEL_KIND,
    failurePolicy: "Fail",
    validate: validateAIModel,
  },
  {
    type: "validating",
    name: "assistant",
    kind: ASSISTANT_KIND,
    failurePolicy: "Fail",
    validate: validateAssistant,
  },
  {
    type: "validating",
    name: "chaospolicy",
    kind: CHAOSPOLICY_KIND,
    failurePolicy: "Fail",
    validate: validateChaosPolicy,
  },
  {
    type: "validating",
    name: "chatregion",
    kind: CHATREGION_KIND,
    failurePolicy: "Fail",
    validate: validateChatRegion,
  },
  {
    type: "validating",
    name: "tenant",
    kind: TENANT_KIND,
    failurePolicy: "Fail",
    validate: validateTenant,
  },
  // Mutating: fail open. Every default is also computed by the controllers and validators
  // (effective values), so a skipped default changes what is stored, not what happens.
  {
    type: "mutating",
    name: "aimodel",
    kind: AIMODEL_KIND,
    failurePolicy: "Ignore",
    default: defaultAIModel,
  },
  {
    type: "mutating",
    name: "assistant",
    kind: ASSISTANT_KIND,
    failurePolicy: "Ignore",
    default: defaultAssistant,
  },
  {
    type: "mutating",
    name: "tenant",
    kind: TENANT_KIND,
    failurePolicy: "Ignore",
    default: defaultTenant,
  },
];

/** URL path of a handler: `/validate/<name>` or `/mutate/<name>`. */
export function handlerPath(h: Pick<WebhookHandler, "type" | "name">): string {
  return `/${h.type === "validating" ? "validate" : "mutate"}/${h.name}`;
}
