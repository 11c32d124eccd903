#!/usr/bin/env bash
# Build (once) a Debian trixie chroot containing Mixxx 2.5.x, used by
# scripts/fixtures/make_real_mixxx_fixture.py --mixxx 2.5 to make fixtures with a real Mixxx 2.5.
#
# Usage (as root):  bash scripts/dev/build_mixxx25_chroot.sh
#
# Environment:
#   MIXXX25_CHROOT   where the chroot lives (default /var/cache/mixxx-peewee/trixie-mixxx)
#   MIXXX25_MIRROR   Debian mirror URL (default: the first Debian mirror found in this
#                    machine's /etc/apt/sources.list and /etc/apt/sources.list.d/)
#   MIXXX25_SUITE    Debian suite (default trixie)
#
# Idempotent: if the chroot already contains /usr/bin/mixxx, it does nothing.
# Needs: debootstrap (apt-get install debootstrap), root.
set -euo pipefail

CHROOT_DIR="${MIXXX25_CHROOT:-/var/cache/mixxx-peewee/trixie-mixxx}"
SUITE="${MIXXX25_SUITE:-trixie}"

if [ -x "$CHROOT_DIR/usr/bin/mixxx" ]; then
    echo "chroot already has mixxx: $CHROOT_DIR"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "error: must run as root (debootstrap and chroot need it)" >&2
    exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "error: debootstrap not found (apt-get install -y debootstrap)" >&2
    exit 1
fi

find_mirror() {
    # Print the first non-security Debian archive URI that apt on this machine uses.
    local f uri
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # one-line style: deb [opts] URI suite comps
        uri=$(sed -n -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([a-z]+:\/\/[^[:space:]]+).*/\2/p' "$f" \
            | grep -E '/debian/?$' | grep -v -- '-security' | head -n1 || true)
        if [ -z "$uri" ]; then
            # deb822 style: URIs: a b c
            uri=$(sed -n -E 's/^URIs:[[:space:]]*(.*)$/\1/p' "$f" | tr ' ' '\n' \
                | grep -E '^[a-z]+://.*/debian/?$' | grep -v -- '-security' | head -n1 || true)
        fi
        if [ -n "$uri" ]; then
            echo "${uri%/}"
            return 0
        fi
    done
    return 1
}

MIRROR="${MIXXX25_MIRROR:-}"
if [ -z "$MIRROR" ]; then
    if ! MIRROR=$(find_mirror); then
        echo "error: no Debian mirror found in /etc/apt/sources.list(.d); set MIXXX25_MIRROR" >&2
        exit 1
    fi
fi
echo "suite=$SUITE mirror=$MIRROR chroot=$CHROOT_DIR"

WORK="$CHROOT_DIR.partial"
mkdir -p "$(dirname "$CHROOT_DIR")"
if [ ! -x "$WORK/usr/bin/apt-get" ] || [ ! -f "$WORK/.debootstrap-done" ]; then
    rm -rf "$WORK"
    debootstrap --variant=minbase "$SUITE" "$WORK" "$MIRROR"
    touch "$WORK/.debootstrap-done"
fi

# Mount /proc, /dev etc. only while apt runs inside; always unmount.
mounted=()
cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -l "${mounted[$i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT
for m in proc sys dev dev/pts; do
    mkdir -p "$WORK/$m"
    mount --bind "/$m" "$WORK/$m"
    mounted+=("$WORK/$m")
done
cp -L /etc/resolv.conf "$WORK/etc/resolv.conf" 2>/dev/null || true

printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$WORK/etc/apt/sources.list"
# Services must not start inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$WORK/usr/sbin/policy-rc.d"
chmod +x "$WORK/usr/sbin/policy-rc.d"

chroot "$WORK" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 apt-get update
# fonts: Qt's offscreen platform wants at least one font; xvfb is a fallback
# should the offscreen platform not work for Mixxx.
chroot "$WORK" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
    apt-get install -y --no-install-recommends mixxx fonts-dejavu-core xvfb xauth sqlite3
chroot "$WORK" apt-get clean
cleanup
mounted=()

chroot "$WORK" dpkg-query -W -f='${Package} ${Version}\n' mixxx
rm -rf "$CHROOT_DIR"
mv "$WORK" "$CHROOT_DIR"
echo "done: $CHROOT_DIR"
