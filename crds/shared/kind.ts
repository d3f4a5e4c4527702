// The kind record: the one place a librechat.io kind's identity (group, version, kind, resource
// names, scope) is written. CRD generation, controllers, webhooks and the CLI all read it; a test
// (crds/kinds.test.ts) fails when a GVK is spelled anywhere else.
import { API_VERSION, GROUP, VERSION } from "./schema.ts";

/** Identity of one kind. Structurally a runtime GroupVersionKind (apiVersion, kind, plural, namespaced). */
export interface KindRecord<K extends string = string> {
  readonly group: string;
  readonly version: string;
  readonly apiVersion: typeof API_VERSION;
  readonly kind: K;
  readonly listKind: string;
  /** Lower-case plural resource name used in URLs and RBAC, e.g. "aimodels". */
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
}

/** Builds the record of a librechat.io/v1alpha1 kind; list kind and singular follow the Kubernetes defaults. */
export function defineKind<K extends string>(k: {
  kind: K;
  plural: string;
  shortNames: readonly string[];
  namespaced: boolean;
}): KindRecord<K> {
  return Object.freeze({
    group: GROUP,
    version: VERSION,
    apiVersion: API_VERSION,
    kind: k.kind,
    listKind: `${k.kind}List`,
    plural: k.plural,
    singular: k.kind.toLowerCase(),
    shortNames: Object.freeze([...k.shortNames]),
    namespaced: k.namespaced,
  });
}
