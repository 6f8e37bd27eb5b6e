#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds a Debian package of zokiod with dpkg-deb: a copy of the sources configured for
# --prefix=/usr --sysconfdir=/etc (the checkout's own configuration is left alone), `make
# install` into a staging tree, the maintainer scripts of dist/deb/, and a Depends line made from
# the packages that hold the libraries zokiod links (ldd + dpkg -S). `make deb` runs it.
# usage: sh tools/mkdeb.sh OUTDIR      -> OUTDIR/zokiod_VERSION_ARCH.deb (its path printed last)
set -eu
cd "$(dirname "$0")/.."
out=${1:-build}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/zokiod-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# the sources only: no build directories, tests or benchmarks
mkdir -p "$work/src"
tar -cf - configure Makefile.in runtime http conf server www dist | tar -xf - -C "$work/src"
# (a make that runs us must not hand its variables, BUILD=... say, to this one)
unset MAKEFLAGS MFLAGS MAKELEVEL
(cd "$work/src" && sh configure --prefix=/usr --sysconfdir=/etc >/dev/null &&
    make -s -j2 BUILD=build build/zokiod >/dev/null &&
    make -s BUILD=build install DESTDIR="$work/root" >/dev/null)

root=$work/root
version=$(sed -n 's/^#define ZOKIOD_VERSION "\(.*\)"$/\1/p' server/main.c)
arch=$(dpkg --print-architecture)
[ -n "$version" ] || { echo "mkdeb: no ZOKIOD_VERSION in server/main.c" >&2; exit 1; }

# Debian's layout: the logrotate file in /etc/logrotate.d, a gzipped man page, a copyright file
mkdir -p "$root/etc/logrotate.d" "$root/usr/share/doc/zokiod"
mv "$root/usr/share/doc/zokiod/zokiod.logrotate" "$root/etc/logrotate.d/zokiod"
gzip -9n "$root/usr/share/man/man8/zokiod.8"
cp dist/deb/copyright "$root/usr/share/doc/zokiod/copyright"
# the package's service runs as Debian's www-data (a static user: systemd then allocates none)
sed -i -e 's/^User=zokiod$/User=www-data/' -e 's/^Group=zokiod$/Group=www-data/' \
    "$root/usr/lib/systemd/system/zokiod.service"
rmdir "$root/var/log/zokiod" "$root/var/log" "$root/var" 2>/dev/null || true # systemd's LogsDirectory
command -v strip >/dev/null && strip --strip-unneeded -R .comment "$root/usr/sbin/zokiod"

deps=""
for lib in $(ldd "$root/usr/sbin/zokiod" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'); do
    real=$(readlink -f "$lib")
    pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || true)
    pkg=${pkg%%:*}
    [ -n "$pkg" ] || { echo "mkdeb: no package holds $lib" >&2; exit 1; }
    case ", $deps, " in *", $pkg, "*) ;; *) deps=${deps:+$deps, }$pkg ;; esac
done

mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: zokiod
Version: $version
Architecture: $arch
Maintainer: zokiod developers <zokiod@localhost>
Installed-Size: $size
Depends: $deps
Section: httpd
Priority: optional
Description: fast static HTTP/1.1 web server with nginx's configuration syntax
 zokiod serves files over HTTP/1.1 with keep-alive, pipelining, ranges and
 conditional requests, zero-copy, on io_uring (or epoll) through its own
 async runtime. Its configuration is nginx's syntax and directives.
CONTROL
printf '%s\n' /etc/zokiod/zokiod.conf /etc/zokiod/mime.types /etc/logrotate.d/zokiod \
    >"$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
    install -m 755 "dist/deb/$s" "$root/DEBIAN/$s"
done

deb=$out/zokiod_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
