#!/usr/bin/env bash
# Builds containerd, containerd-shim-runc-v2 and ctr (containerd v2, pure Go, no btrfs/devmapper) into
# .portico/bin for the local node (`npm run cluster:up -- --node`). Called by
# src/local/controlplane/build.sh; keyed by Go version + go.mod/go.sum hash: a warm start never compiles.
# Failures end with one line saying what failed; the go output is kept in .portico/build-containerd.log.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
bin="${PORTICO_BIN_DIR:-$root/.portico/bin}"
cd "$here"
have_go=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
version=$(awk '$1=="github.com/containerd/containerd/v2"{print $2} $1=="require" && $2=="github.com/containerd/containerd/v2"{print $3}' go.mod | head -n1)
key="go${have_go}-${version}-$(sha256sum go.sum go.mod | sha256sum | cut -c1-16)"
if [ -f "$bin/.build-key-containerd" ] && [ "$(cat "$bin/.build-key-containerd")" = "$key" ] \
   && [ -x "$bin/containerd" ] && [ -x "$bin/containerd-shim-runc-v2" ] && [ -x "$bin/ctr" ]; then
  exit 0
fi
mkdir -p "$bin"
log="$(dirname "$bin")/build-containerd.log"
tmp="$bin/.tmp-build-containerd"
rm -rf "$tmp"; mkdir -p "$tmp"
echo "portico: building containerd $version for the local node (log: $log)..." >&2
start=$(date +%s)
pkg=github.com/containerd/containerd/v2
ld="-s -w -X $pkg/version.Version=$version -X $pkg/version.Revision=portico"
if ! CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags no_btrfs,no_devmapper,no_zfs -ldflags "$ld" -o "$tmp/" \
      "$pkg/cmd/containerd" "$pkg/cmd/containerd-shim-runc-v2" "$pkg/cmd/ctr" >"$log" 2>&1; then
  rm -rf "$tmp"
  tail -n 15 "$log" >&2
  if grep -qE "dial tcp|no such host|i/o timeout|connection (refused|reset)|TLS handshake|reading https?://|GOPROXY=off|module lookup disabled|SECURITY ERROR|checksum mismatch|unrecognized import path|403 Forbidden|404 Not Found|410 Gone" "$log"; then
    echo "portico: downloading containerd's Go modules failed (GOPROXY=$(go env GOPROXY)); check the network or GOPROXY and retry (full log: $log)" >&2
  else
    echo "portico: compiling containerd failed; see $log" >&2
  fi
  exit 1
fi
mv "$tmp"/* "$bin/"; rmdir "$tmp"
echo "$key" > "$bin/.build-key-containerd"
echo "portico: containerd built in $(( $(date +%s) - start )) s into $bin" >&2
