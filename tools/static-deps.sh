#!/bin/sh
# Builds the static libraries that `make static` links crunlocal against,
# with musl-gcc, from Debian's source packages (Debian's patches applied):
# zlib, zstd, xz (liblzma), libarchive, yajl, libcap, mbedTLS 3.6, curl.
#
#   tools/static-deps.sh BUILD_DIR
#
# BUILD_DIR/apt     a private apt configuration: the system's `deb` entries
#                   as `deb-src` twins, plus the next Debian release's
#                   sources (mbedTLS 3.6 LTS, newer curl/libarchive/xz);
#                   the system's own apt state is left untouched
# BUILD_DIR/src     the unpacked sources, one directory per library
# BUILD_DIR/prefix  the static libraries, headers and .pc files
# BUILD_DIR/include kernel headers for musl-gcc (symlinks to the system's)
# BUILD_DIR/versions.h  what was built, for `crunlocal version`
#
# A stamp per library (prefix/stamps/NAME) makes a second run a no-op.
set -eu

B=$(mkdir -p "$1" && cd "$1" && pwd)
P=$B/prefix
S=$B/src
A=$B/apt
J=$(nproc 2>/dev/null || echo 2)
mkdir -p "$P/stamps" "$S" "$A"

export CC=musl-gcc
export CFLAGS="-O2 -fPIC -ffunction-sections -fdata-sections -isystem $B/include"
export PKG_CONFIG_LIBDIR=$P/lib/pkgconfig
unset PKG_CONFIG_PATH
export PKG_CONFIG="pkg-config --static"

log () { echo "static-deps: $*" >&2; }
die () { log "$*"; exit 1; }

# --- kernel headers --------------------------------------------------------
# musl ships no linux/, asm/ or asm-generic/: point at the system's uapi
# headers (libcap's sys/capability.h and crunlocal's linux/fs.h need them).
kernel_headers () {
  mkdir -p "$B/include"
  arch_inc=/usr/include/$(gcc -dumpmachine)
  for d in linux asm-generic; do
    [ -d "/usr/include/$d" ] || die "no /usr/include/$d (install linux-libc-dev)"
    ln -sfn "/usr/include/$d" "$B/include/$d"
  done
  if [ -d "$arch_inc/asm" ]; then
    ln -sfn "$arch_inc/asm" "$B/include/asm"
  else
    ln -sfn /usr/include/asm "$B/include/asm"
  fi
}

# --- sources ---------------------------------------------------------------
# The next Debian release after the system's, for mbedTLS 3.6 LTS.
next_release () {
  case $1 in
    bullseye) echo bookworm ;;
    bookworm) echo trixie ;;
    trixie) echo forky ;;
    *) echo "" ;;
  esac
}

# Prints "deb-src URI SUITE COMPONENTS" for every `deb` entry apt reads:
# one-line sources.list files and deb822 *.sources files.
system_deb_entries () {
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}/deb-src \1/p' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && uris != "" && enabled != "no")
          { n = split(uris, u, " "); m = split(suites, s, " ");
            for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
              print "deb-src" (key != "" ? " [signed-by=" key "]" : "") " " u[i] " " s[j] " " comps }
        types = uris = suites = comps = key = enabled = "" }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      { k = tolower($1); sub(/:$/, "", k); $1 = ""; sub(/^ +/, "");
        if (k == "types") types = $0; else if (k == "uris") uris = $0;
        else if (k == "suites") suites = $0; else if (k == "components") comps = $0;
        else if (k == "signed-by") key = $0; else if (k == "enabled") enabled = tolower($0) }
      END { flush() }' "$f"
  done
}

apt_private () {
  tool=$1
  shift
  "$tool" -o Dir::Etc::SourceList="$A/sources.list" \
    -o Dir::Etc::SourceParts="$A/sources.list.d" \
    -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" \
    -o APT::Sandbox::User=root -o Debug::NoLocking=1 "$@"
}

apt_setup () {
  [ -f "$P/stamps/apt" ] && return 0
  . /etc/os-release
  next=$(next_release "${VERSION_CODENAME:-}")
  [ -n "$next" ] || die "no next Debian release known after '${VERSION_CODENAME:-?}'"
  mkdir -p "$A/sources.list.d" "$A/lists/partial" "$A/cache/archives/partial"
  system_deb_entries >"$A/sources.list.new"
  # The next release from the same mirror as the system's own release.
  main=$(grep -E "[[:space:]]${VERSION_CODENAME}[[:space:]]" "$A/sources.list.new" | head -n 1)
  [ -n "$main" ] || die "no apt entry for $VERSION_CODENAME in /etc/apt"
  echo "$main" | sed "s/[[:space:]]${VERSION_CODENAME}[[:space:]]/ $next /" >>"$A/sources.list.new"
  mv "$A/sources.list.new" "$A/sources.list"
  log "apt: $(wc -l <"$A/sources.list") deb-src entries, updating"
  apt_private apt-get -q update >"$A/update.log" 2>&1 || { cat "$A/update.log" >&2; die "apt-get update failed"; }
  touch "$P/stamps/apt"
}

# Versions of source package $1 the indexes list, newest first.
versions_of () {
  apt_private apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -u |
    sort_versions
}

# Debian's ordering (epochs, ~), not sort -V's.
sort_versions () {
  set --
  while read -r v; do set -- "$@" "$v"; done
  while [ $# -gt 0 ]; do
    best=$1; for v in "$@"; do dpkg --compare-versions "$v" gt "$best" && best=$v; done
    echo "$best"
    rest=""; for v in "$@"; do [ "$v" = "$best" ] || rest="$rest $v"; done
    # shellcheck disable=SC2086
    set -- $rest
  done
}

# fetch PKG [VERSION-PREFIX]: the newest listed version of the source
# package whose files download (the mirror lists some that 404), unpacked
# with Debian's patches into $S/PKG.  Sets VERSION.
fetch () {
  pkg=$1 want=${2:-}
  if [ -f "$S/$pkg.version" ] && [ -d "$S/$pkg" ]; then
    VERSION=$(cat "$S/$pkg.version")
    return 0
  fi
  mkdir -p "$S/dl.$pkg"
  if fetch_newest "$pkg" "$want"; then return 0; fi
  # An index from an earlier run may list only versions since removed.
  log "$pkg: nothing listed downloads, refreshing the index"
  rm -f "$P/stamps/apt"
  apt_setup
  fetch_newest "$pkg" "$want" || die "no downloadable source for $pkg${want:+ $want*}"
}

fetch_newest () {
  pkg=$1 want=$2
  for v in $(versions_of "$pkg"); do
    case $v in "$want"*) ;; *) continue ;; esac
    rm -f "$S/dl.$pkg"/*
    if (cd "$S/dl.$pkg" && apt_private apt-get -q source --download-only "$pkg=$v" >"$S/dl.$pkg.log" 2>&1); then
      rm -rf "$S/$pkg"
      dpkg-source -x "$S/dl.$pkg"/*.dsc "$S/$pkg" >>"$S/dl.$pkg.log" 2>&1 ||
        { cat "$S/dl.$pkg.log" >&2; die "$pkg $v: dpkg-source failed"; }
      echo "$v" >"$S/$pkg.version"
      VERSION=$v
      log "$pkg $v unpacked"
      return 0
    fi
    log "$pkg $v: download failed, trying an older version"
  done
  return 1
}

# The upstream part of a Debian version: 1:2.3.4-5+deb12u1 -> 2.3.4.
upstream () { echo "$1" | sed 's/^[0-9]*://; s/-[^-]*$//; s/[+~]dfsg.*//; s/+ds.*//'; }

stamp () { touch "$P/stamps/$1"; }
built () { [ -f "$P/stamps/$1" ]; }

# --- the libraries, in dependency order ------------------------------------
CONF="--prefix=$P --disable-shared --enable-static"
export CPPFLAGS="-I$P/include" LDFLAGS="-L$P/lib"

build_zlib () {
  fetch zlib
  built zlib && return 0
  (cd "$S/zlib" && ./configure --static --prefix="$P" && make -j"$J" libz.a && make install) \
    >"$S/zlib.log" 2>&1 || { tail -n 30 "$S/zlib.log" >&2; die "zlib failed"; }
  stamp zlib
}

# Single-threaded, no legacy (pre-1.0) formats.
build_zstd () {
  fetch libzstd
  built zstd && return 0
  (cd "$S/libzstd/lib" && make -j"$J" libzstd.a ZSTD_LEGACY_SUPPORT=0 &&
    make install-static install-includes install-pc PREFIX="$P" ZSTD_LEGACY_SUPPORT=0) \
    >"$S/zstd.log" 2>&1 || { tail -n 30 "$S/zstd.log" >&2; die "zstd failed"; }
  stamp zstd
}

# liblzma only: no tools, scripts, documentation or NLS.
build_xz () {
  fetch xz-utils
  built xz && return 0
  (cd "$S/xz-utils" && ./configure $CONF --disable-maintainer-mode --disable-xz --disable-xzdec \
    --disable-lzmadec --disable-lzmainfo --disable-lzma-links --disable-scripts --disable-doc \
    --disable-nls && make -j"$J" -C src/liblzma && make -C src/liblzma install) \
    >"$S/xz.log" 2>&1 || { tail -n 30 "$S/xz.log" >&2; die "xz failed"; }
  stamp xz
}

# Debian's patches touch *.am: --disable-maintainer-mode keeps automake
# from running.  musl's libc has iconv, but no iconv.pc exists.
build_libarchive () {
  fetch libarchive
  built libarchive && return 0
  (cd "$S/libarchive" && ./configure $CONF --disable-maintainer-mode --disable-bsdtar \
    --disable-bsdcat --disable-bsdcpio --disable-bsdunzip --disable-acl --with-zlib \
    --with-zstd --with-lzma --without-openssl --without-xml2 --without-expat \
    --without-libb2 --without-lz4 --without-bz2lib --without-lzo2 --without-cng \
    --without-nettle --without-mbedtls &&
    make -j"$J" libarchive.la && make install-libLTLIBRARIES install-includeHEADERS \
    install-pkgconfigDATA) >"$S/libarchive.log" 2>&1 ||
    { tail -n 30 "$S/libarchive.log" >&2; die "libarchive failed"; }
  sed -i '/^Requires.private:.*iconv/d' "$P/lib/pkgconfig/libarchive.pc"
  stamp libarchive
}

# Upstream builds yajl with CMake; its C files, the generated
# yajl_version.h and a .pc file are all we need.
build_yajl () {
  fetch yajl
  built yajl && return 0
  d=$S/yajl
  v=$(upstream "$VERSION")
  maj=${v%%.*} rest=${v#*.}
  min=${rest%%.*} mic=${rest#*.}
  mkdir -p "$P/include/yajl" "$d/obj"
  sed -e "s/\${YAJL_MAJOR}/$maj/; s/\${YAJL_MINOR}/$min/; s/\${YAJL_MICRO}/$mic/" \
    "$d/src/api/yajl_version.h.cmake" >"$P/include/yajl/yajl_version.h"
  cp "$d"/src/api/yajl_common.h "$d"/src/api/yajl_gen.h "$d"/src/api/yajl_parse.h \
    "$d"/src/api/yajl_tree.h "$P/include/yajl/"
  for f in "$d"/src/*.c; do
    $CC $CFLAGS -I"$P/include" -c -o "$d/obj/$(basename "$f" .c).o" "$f" ||
      die "yajl: $f failed"
  done
  rm -f "$P/lib/libyajl.a"
  ar rcs "$P/lib/libyajl.a" "$d"/obj/*.o
  cat >"$P/lib/pkgconfig/yajl.pc" <<PC
prefix=$P
Name: yajl
Description: Yet Another JSON Library (static, musl)
Version: $v
Cflags: -I\${prefix}/include
Libs: -L\${prefix}/lib -lyajl
PC
  stamp yajl
}

# libcap guesses lib= from ldd and builds its helper with the target
# compiler unless told otherwise.
build_libcap () {
  fetch libcap2
  built libcap && return 0
  (cd "$S/libcap2/libcap" && make -j"$J" CC="$CC" BUILD_CC=gcc SHARED=no PTHREADS=no \
    GOLANG=no lib=lib prefix="$P" COPTS="$CFLAGS" libcap.a libcap.pc &&
    make CC="$CC" BUILD_CC=gcc SHARED=no PTHREADS=no GOLANG=no lib=lib prefix="$P" \
    COPTS="$CFLAGS" install-static-cap install-cap-headers 2>/dev/null ||
    { mkdir -p "$P/include/sys" && cp include/sys/capability.h "$P/include/sys/" &&
      cp libcap.a "$P/lib/" && cp libcap.pc "$P/lib/pkgconfig/"; }) \
    >"$S/libcap.log" 2>&1 || { tail -n 30 "$S/libcap.log" >&2; die "libcap failed"; }
  stamp libcap
}

# Threading goes into the config header, not -D: curl sees mbedTLS's
# struct layouts through the same headers.  The Makefile build has no .pc.
build_mbedtls () {
  fetch mbedtls 3.6.
  built mbedtls && return 0
  d=$S/mbedtls
  (cd "$d" && python3 scripts/config.py set MBEDTLS_THREADING_C &&
    python3 scripts/config.py set MBEDTLS_THREADING_PTHREAD &&
    make -j"$J" -C library CC="$CC" CFLAGS="$CFLAGS" static) \
    >"$S/mbedtls.log" 2>&1 || { tail -n 30 "$S/mbedtls.log" >&2; die "mbedtls failed"; }
  mkdir -p "$P/include"
  cp -r "$d/include/mbedtls" "$d/include/psa" "$P/include/"
  cp "$d"/library/libmbedtls.a "$d"/library/libmbedx509.a "$d"/library/libmbedcrypto.a "$P/lib/"
  v=$(upstream "$VERSION")
  for l in mbedcrypto mbedx509 mbedtls; do
    case $l in
      mbedcrypto) req="" libs="-lmbedcrypto" priv="-lpthread" ;;
      mbedx509) req="Requires.private: mbedcrypto" libs="-lmbedx509" priv="" ;;
      mbedtls) req="Requires.private: mbedx509" libs="-lmbedtls" priv="" ;;
    esac
    cat >"$P/lib/pkgconfig/$l.pc" <<PC
prefix=$P
Name: $l
Description: Mbed TLS $l (static, musl)
Version: $v
$req
Cflags: -I\${prefix}/include
Libs: -L\${prefix}/lib $libs
Libs.private: $priv
PC
  done
  stamp mbedtls
}

# http and https only, threaded resolver, the rest off.  No built-in CA
# path: crunlocal finds the host's bundle at run time (tls.c).
build_curl () {
  fetch curl
  built curl && return 0
  (cd "$S/curl" && ./configure $CONF --disable-maintainer-mode --with-mbedtls="$P" \
    --without-openssl --without-gnutls --without-wolfssl --without-rustls \
    --enable-threaded-resolver --enable-http --disable-ftp --disable-file --disable-ldap \
    --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
    --disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt \
    --disable-ipfs --disable-websockets --disable-manual --disable-docs --disable-ntlm \
    --disable-cookies --disable-netrc --disable-mime --disable-form-api --disable-doh \
    --disable-hsts --disable-alt-svc --disable-kerberos-auth --disable-negotiate-auth \
    --disable-aws --disable-sspi --disable-tls-srp --without-libidn2 --without-libpsl \
    --without-brotli --without-zstd --without-nghttp2 --without-nghttp3 --without-ngtcp2 \
    --without-libssh2 --without-libssh --without-librtmp --without-gssapi --without-libgsasl \
    --without-ca-bundle --without-ca-path --without-ca-fallback &&
    make -j"$J" -C lib && make -C lib install && make -C include install &&
    make install-pkgconfigDATA) >"$S/curl.log" 2>&1 ||
    { tail -n 40 "$S/curl.log" >&2; die "curl failed"; }
  stamp curl
}

# What was built, from which Debian source version, for `crunlocal version`.
write_versions () {
  musl=$(dpkg-query -W -f '${Version}' musl-dev 2>/dev/null || echo unknown)
  {
    echo "/* Generated by tools/static-deps.sh: the Debian source packages built. */"
    echo "#define CL_STATIC_SOURCES \\"
    for p in zlib libzstd xz-utils libarchive yajl libcap2 mbedtls curl; do
      printf '  "  %s %s\\n" \\\n' "$p" "$(cat "$S/$p.version")"
    done
    printf '  "  musl %s\\n"\n' "$musl"
  } >"$B/versions.h.new"
  if cmp -s "$B/versions.h.new" "$B/versions.h"; then rm "$B/versions.h.new"; else mv "$B/versions.h.new" "$B/versions.h"; fi
}

command -v musl-gcc >/dev/null || die "musl-gcc missing (apt-get install musl-tools)"
kernel_headers
apt_setup
for p in zlib libzstd xz-utils libarchive yajl libcap2 curl; do fetch "$p"; done
fetch mbedtls 3.6.
build_zlib
# Two independent chains side by side: most of the time goes to
# single-threaded configure scripts.
(build_zstd && build_xz && build_libarchive) &
archive=$!
(build_yajl && build_libcap && build_mbedtls && build_curl) &
tls=$!
ok=0
wait "$archive" || ok=1
wait "$tls" || ok=1
[ "$ok" = 0 ] || die "a library failed to build (logs in $S)"
# The .pc files name the prefix relative to themselves, so the prefix
# can move or be shared (a git worktree links it).
sed -i "s#$P#\${pcfiledir}/../..#g" "$P"/lib/pkgconfig/*.pc
write_versions
log "done: $P"
