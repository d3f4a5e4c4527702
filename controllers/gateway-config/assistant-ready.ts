// The Assistant's summary condition `Ready`, which gateway-config owns because it is the one that
// routes Assistants: True (VariantsRoutable) when the Assistant is in the served routing config
// and every version its variants use runs on an AIModel that exists and is Ready; otherwise False
// with the first reason in that order (the Routed verdict's own reason, then ModelNotFound,
// ModelNotReady), its message naming every version and model concerned. Pure.
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import type { Assistant } from "../../crds/assistant/v1alpha1/index.ts";
import { AssistantReadyReason } from "../../crds/assistant/v1alpha1/index.ts";
import type { Condition } from "../../operators/runtime/index.ts";

export const READY = "Ready";

type Verdict = Omit<Condition, "lastTransitionTime">;

/** What is wrong with the AIModels of the versions the variants use. */
function modelProblems(
  a: Assistant,
  model: (name: string) => AIModel | undefined,
): { missing: string[]; notReady: string[] } {
  const used = new Set(a.spec.variants.map((v) => v.version));
  const missing: string[] = [];
  const notReady: string[] = [];
  for (const v of a.spec.versions.filter((x) => used.has(x.name))) {
    const m = model(v.modelRef);
    const ready = m?.status?.conditions?.find((c) => c.type === "Ready");
    if (m === undefined) missing.push(`${v.name} → AIModel ${v.modelRef} not found`);
    else if (ready?.status !== "True")
      notReady.push(
        `${v.name} → AIModel ${v.modelRef} not Ready (${ready?.reason ?? "no status yet"})`,
      );
  }
  return { missing, notReady };
}

/** Ready of `a` from its Routed condition and the AIModels of its namespace (by name). */
export function assistantReady(
  a: Assistant,
  routed: Verdict,
  model: (name: string) => AIModel | undefined,
): Verdict {
  const verdict = (status: "True" | "False", reason: string, message: string): Verdict => ({
    type: READY,
    status,
    reason,
    message,
    observedGeneration: a.metadata.generation ?? 0,
  });
  // Not routed: the routing verdict's own reason (ModelNotFound, PromptNotFound, NameConflict…).
  if (routed.status !== "True")
    return verdict("False", routed.reason, `Not routed: ${routed.message}`);
  const { missing, notReady } = modelProblems(a, model);
  if (missing.length > 0)
    return verdict(
      "False",
      AssistantReadyReason.ModelNotFound,
      [...missing, ...notReady].join("; "),
    );
  if (notReady.length > 0)
    return verdict("False", AssistantReadyReason.ModelNotReady, notReady.join("; "));
  const used = [...new Set(a.spec.variants.map((v) => v.version))].sort();
  return verdict(
    "True",
    AssistantReadyReason.VariantsRoutable,
    `Routed; versions ${used.join(", ")} on Ready AIModels`,
  );
}
