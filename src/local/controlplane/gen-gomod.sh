#!/usr/bin/env bash
# Generates go.mod for the local control plane: k8s.io/kubernetes plus a replace line for every
# staging module it requires at v0.0.0 (read from its own go.mod, never typed by hand).
set -euo pipefail
cd "$(dirname "$0")"
K8S_VERSION="${K8S_VERSION:-v1.37.2}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
minor_patch="${K8S_VERSION#v1.}"          # 37.2
staging_version="v0.${minor_patch}"       # v0.37.2
gomod=$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
etcd_version=$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2}' "$gomod")
{
  echo "module portico.dev/local/controlplane"
  echo
  echo "go $(awk '$1=="go"{print $2; exit}' "$gomod")"
  echo
  echo "require ("
  echo "	k8s.io/kubernetes ${K8S_VERSION}"
  echo "	go.etcd.io/etcd/server/v3 ${etcd_version}"
  echo "	helm.sh/helm/v3 ${HELM_VERSION}"
  echo ")"
  echo
  echo "replace ("
  grep -E '^\s*k8s\.io/[^ ]+ => \./staging/' "$gomod" | awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
  echo ")"
} > go.mod
echo "go.mod: k8s ${K8S_VERSION}, staging ${staging_version}, etcd ${etcd_version}, helm ${HELM_VERSION}"
