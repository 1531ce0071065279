#!/usr/bin/env bash
# Prepares a machine for Portico's tests and demos. Idempotent and fast when nothing is missing:
#   1. Debian packages (nginx with Lua, stream and ModSecurity modules, the OWASP Core Rule Set,
#      iproute2, openssl, curl, wrk);
#      `apt-get update` runs only when something must be installed;
#   2. `npm ci` when node_modules is missing or older than package-lock.json;
#   3. the local control plane and node binaries (src/local/controlplane/build.sh: compiles only on a cold start).
# With --node (or PORTICO_NODE=1): also what a local node needs (runc, CNI plugins, nftables, conntrack,
# gcc for the fallback pause image) and the images (`npm run images`, cached), for `npm start`, the
# node suites and CI.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "portico setup: $*" >&2; }
fail() { say "$*"; exit 1; }

node=${PORTICO_NODE:-}
for a in "$@"; do [ "$a" = "--node" ] && node=1; done
packages=(nginx-light libnginx-mod-http-lua lua-resty-core lua-cjson libnginx-mod-stream libnginx-mod-http-modsecurity modsecurity-crs iproute2 openssl curl wrk)
[ -n "$node" ] && packages+=(runc containernetworking-plugins nftables conntrack gcc libc6-dev)
missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != "installed" ]; then missing+=("$p"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; install these packages with your package manager: ${missing[*]}"
  [ "$(id -u)" = 0 ] || fail "missing Debian packages (${missing[*]}); run as root (sudo bash scripts/setup.sh) or: sudo apt-get install -y ${missing[*]}"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed; check the network or the apt sources and retry"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed (see above)"
  # Portico runs its own nginx processes; the distribution's service must not hold ports 80/443.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then service nginx stop >/dev/null 2>&1 || true; fi
fi

command -v node >/dev/null 2>&1 || fail "Node.js is not installed; install Node >= 20.6 and retry"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=6)?0:1)' \
  || fail "Node $(node --version) is too old; install Node >= 20.6"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >/dev/null || fail "npm ci failed (see above); check access to the npm registry and retry"
fi

bash src/local/controlplane/build.sh
if [ -n "$node" ] && node -e 'process.exit(require("./package.json").scripts?.images ? 0 : 1)'; then
  npm run --silent images || fail "building the images failed (see above); the previous archives in .portico/images are kept"
fi
