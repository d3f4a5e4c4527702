// Recommended app.kubernetes.io labels for every child object, plus the owner label the
// controllers select on. Selectors use only stable labels so they never need to change.
import { labelValue } from "../../crds/shared/labels.ts";

export const PART_OF = "librechat";
export const MANAGED_BY = "librechat-operator";

/** Label naming the AIModel that owns a child (selectors use it; it never changes). */
export const AIMODEL_LABEL = "librechat.io/aimodel";

/** Labels that select a model's engine pods. Immutable for the life of the Deployment. */
export function aimodelSelectorLabels(name: string): Record<string, string> {
  return { [AIMODEL_LABEL]: name, "app.kubernetes.io/instance": name };
}

/** Full label set of a child object of one owner. */
export function childLabels(opts: {
  name: string;
  component: string;
  version?: string | undefined;
  selector: Record<string, string>;
}): Record<string, string> {
  const labels: Record<string, string> = {
    ...opts.selector,
    "app.kubernetes.io/component": opts.component,
    "app.kubernetes.io/managed-by": MANAGED_BY,
    "app.kubernetes.io/name": opts.name,
    "app.kubernetes.io/part-of": PART_OF,
  };
  if (opts.version !== undefined) labels["app.kubernetes.io/version"] = labelValue(opts.version);
  return sortKeys(labels);
}

// The label-value sanitiser is defined once, beside the schemas, and shared with the webhooks.
export { labelValue } from "../../crds/shared/labels.ts";

/** Returns a copy of `o` with keys in sorted order (deterministic output). */
export function sortKeys<V>(o: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Label selector string (`a=b,c=d`) of a label map, sorted. */
export function selectorString(labels: Record<string, string>): string {
  return Object.entries(sortKeys(labels))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
