// The "Routed" condition the gateway-config controller sets on AIModels, Tenants and Assistants
// (its own condition type and field manager, so it never competes with the kinds' own
// controllers): True when the object is in the served routing config (possibly with a warning
// reason), False with the reason when it is not.
import type { Condition } from "../../operators/runtime/index.ts";
import type { Problem } from "./desired/routing.ts";

export const ROUTED = "Routed";

/** Reasons of the Routed condition (the renderer's problem reasons plus these). */
export const RoutedReason = {
  Routed: "Routed",
  ModelNameConflict: "ModelNameConflict",
  CredentialsMissing: "CredentialsMissing",
  FallbackNotFound: "FallbackNotFound",
  ModelsNotFound: "ModelsNotFound",
  ModelNotFound: "ModelNotFound",
  PromptNotFound: "PromptNotFound",
  NameConflict: "NameConflict",
  ApiKeyPending: "ApiKeyPending",
} as const;

/** The Routed condition of one object from its problems (all of them named in the message). */
export function routedCondition(
  problems: readonly Problem[],
  generation: number,
  configGeneration: number,
): Omit<Condition, "lastTransitionTime"> {
  if (problems.length === 0) {
    return {
      type: ROUTED,
      status: "True",
      reason: RoutedReason.Routed,
      message: `In the inference gateway's routing config (generation ${configGeneration})`,
      observedGeneration: generation,
    };
  }
  const blocking = problems.find((p) => p.blocking);
  const first = blocking ?? problems[0];
  const message = problems.map((p) => p.message).join("; ");
  return {
    type: ROUTED,
    status: blocking === undefined ? "True" : "False",
    reason: first?.reason ?? RoutedReason.Routed,
    message: message.length > 1000 ? `${message.slice(0, 997)}...` : message,
    observedGeneration: generation,
  };
}
