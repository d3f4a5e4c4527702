// AdmissionReview bodies for tests.

/** A valid admission.k8s.io/v1 review of an Assistant CREATE; `request` fields override. */
export function review(request: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "librechat.io", version: "v1alpha1", kind: "Assistant" },
      resource: { group: "librechat.io", version: "v1alpha1", resource: "assistants" },
      name: "a",
      namespace: "team-a",
      operation: "CREATE",
      userInfo: { username: "admin", groups: ["system:masters"] },
      object: {
        apiVersion: "librechat.io/v1alpha1",
        kind: "Assistant",
        metadata: { name: "a" },
        spec: {},
      },
      oldObject: null,
      dryRun: false,
      ...request,
    },
  };
}
