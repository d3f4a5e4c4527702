# shellcheck shell=bash
# Pinned versions of the local control plane and its cache directory (sourced by hack/testenv/*.sh).
K8S=${K8S:-1.34.4}
ETCD=${ETCD:-3.6.16}
KWOK=${KWOK:-0.8.0}
KEYCLOAK=${KEYCLOAK:-26.7.3}
TE=${TE:-$HOME/.cache/op-testenv}
export K8S ETCD KWOK KEYCLOAK TE
