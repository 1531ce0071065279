#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl, etcd and
# helm into .portico/bin in one `go build` (shared packages compile once), then containerd, its runc shim
# and ctr from their own module (src/local/containerd: containerd pins ~40 shared dependencies at other
# versions than Kubernetes, so one module would move both). Each is keyed by versions + go.sum hash: a
# warm start never compiles.
# Failures end with one line saying what failed and what to do (no Go, Go too old, module download,
# compile error); the full go output is kept in .portico/build.log.
# PORTICO_BIN_DIR overrides the output directory (tests use it to exercise the failure paths).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
bin="${PORTICO_BIN_DIR:-$root/.portico/bin}"
cd "$here"
need_go=$(awk '$1=="go"{print $2}' go.mod)
if ! command -v go >/dev/null 2>&1; then
  echo "portico: Go is not installed; install Go >= $need_go (https://go.dev/dl or apt-get install golang) and retry" >&2
  exit 1
fi
have_go=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$need_go" "$have_go" | sort -V | head -n1)" != "$need_go" ]; then
  echo "portico: Go $have_go is older than the $need_go that src/local/controlplane/go.mod needs; install Go >= $need_go and retry" >&2
  exit 1
fi
k8s_version=$(awk '$1=="k8s.io/kubernetes"{print $2}' go.mod)
key="go${have_go}-${k8s_version}-$(sha256sum go.sum go.mod | sha256sum | cut -c1-16)"
if [ -f "$bin/.build-key" ] && [ "$(cat "$bin/.build-key")" = "$key" ] \
   && [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-controller-manager" ] && [ -x "$bin/kubectl" ] \
   && [ -x "$bin/etcd" ] && [ -x "$bin/helm" ] && [ -x "$bin/kubelet" ] && [ -x "$bin/kube-proxy" ] \
   && [ -x "$bin/kube-scheduler" ]; then
  exec bash "$root/src/local/containerd/build.sh"
fi
minor=$(echo "$k8s_version" | cut -d. -f2)
helm_version=$(awk '$1=="helm.sh/helm/v3"{print $2}' go.mod)
git_commit=0000000000000000000000000000000000000000
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.gitCommit=$git_commit -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
ld="$ld -X helm.sh/helm/v3/internal/version.version=$helm_version"
ld="$ld -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
ld="$ld -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
mkdir -p "$bin"
log="$(dirname "$bin")/build.log"
tmp="$bin/.tmp-build"
rm -rf "$tmp"; mkdir -p "$tmp"
echo "portico: building the local control plane (k8s $k8s_version, helm $helm_version); the first build takes a while (log: $log)..." >&2
start=$(date +%s)
# -mod=mod: go.sum is committed, but go may still need to add indirect entries on a new Go release.
if ! CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ld" -o "$tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
      k8s.io/kubernetes/cmd/kubectl helm.sh/helm/v3/cmd/helm go.etcd.io/etcd/server/v3 >"$log" 2>&1; then
  rm -rf "$tmp"
  tail -n 15 "$log" >&2
  if grep -qE "dial tcp|no such host|i/o timeout|connection (refused|reset)|TLS handshake|reading https?://|GOPROXY=off|module lookup disabled|SECURITY ERROR|checksum mismatch|unrecognized import path|403 Forbidden|404 Not Found|410 Gone" "$log"; then
    echo "portico: downloading the Go modules failed (GOPROXY=$(go env GOPROXY)); check the network or GOPROXY and retry (full log: $log)" >&2
  else
    echo "portico: compiling the control plane failed; see $log, and never \`go get -u\` in src/local/controlplane (Kubernetes pins its dependencies)" >&2
  fi
  exit 1
fi
mv "$tmp/server" "$tmp/etcd"   # etcd's main package is go.etcd.io/etcd/server/v3
mv "$tmp"/* "$bin/"; rmdir "$tmp"
echo "$key" > "$bin/.build-key"
echo "portico: control plane built in $(( $(date +%s) - start )) s into $bin" >&2
exec bash "$root/src/local/containerd/build.sh"
