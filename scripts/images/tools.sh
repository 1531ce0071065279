#!/usr/bin/env bash
# Installs the host tools `npm run images` needs (Debian packages), only when one is missing:
# mmdebstrap (Debian roots), buildah (Dockerfile builds, --pull=never), runc (buildah's runtime),
# skopeo (archive inspection in tests), gcc/libc6-dev/binutils (the static pause binary).
# A tool that cannot be installed gets one line naming it.
set -euo pipefail
say() { echo "portico images: $*" >&2; }
packages=(mmdebstrap buildah runc skopeo gcc libc6-dev binutils)
missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != "installed" ]; then missing+=("$p"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
  say "missing host tools: ${missing[*]}; install them (as root: apt-get install -y ${missing[*]}) and retry"
  exit 1
fi
say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || { apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
  || { say "apt-get install ${missing[*]} failed; install them by hand and retry"; exit 1; }
