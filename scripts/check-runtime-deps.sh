#!/usr/bin/env bash
# Checks that the release binaries need exactly the Debian packages provision.sh installs.
#
#   scripts/check-runtime-deps.sh BINARY...
#
# Every library a binary links directly (its ELF NEEDED entries; their own dependencies come with
# the packages) is resolved through `ldd` and mapped to its Debian package with `dpkg -S`. Packages that
# every Debian image has (the C library and the compiler runtime) are allowed; all others must be
# in provision.sh's apt-get line, and every package on that line must be needed by some binary
# (ca-certificates excepted: it is data for TLS, not a linked library). Libraries the binaries open
# with dlopen (libcurl, on first request) count as needed when the binary names them.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
base="libc6 libgcc-s1 libstdc++6"

provisioned=$(sed -n '/apt-get install -y/,/^[^ ]/p' "$here/packer/files/provision.sh" | tr ' \\' '\n\n' \
  | grep -E '^(lib|zlib|ca-)' | sort -u)

# The resolved paths of the libraries named in the binary's NEEDED entries.
direct_libraries() {
  local sonames
  sonames=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  for soname in $sonames; do
    ldd "$1" | awk -v want="$soname" '$1 == want && $3 ~ /^\// { print $3 }'
  done
}

# Libraries opened at run time: the soname, if the binary contains it, resolved through ldconfig's
# cache (ldconfig lives in /sbin, which is not on every PATH).
ldconfig_bin=$(command -v ldconfig || echo /sbin/ldconfig)
dlopened_libraries() {
  local soname path
  for soname in libcurl.so.4; do
    grep -qaF "$soname" "$1" || continue
    path=$("$ldconfig_bin" -p | awk -v want="$soname" '$1 == want && $NF ~ /^\// && !found { print $NF; found = 1 }')
    if [ -z "$path" ]; then
      echo "check-runtime-deps: $1 opens $soname at run time, and no library by that name is installed here" >&2
      return 1
    fi
    echo "$path"
  done
}

needed=""
for binary in "$@"; do
  [ -x "$binary" ] || { echo "check-runtime-deps: $binary is not an executable; run make release" >&2; exit 1; }
  while read -r lib; do
    [ -n "$lib" ] || continue
    package=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1 || true)
    [ -n "$package" ] || package=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1 || true)
    [ -n "$package" ] || { echo "check-runtime-deps: $lib ($binary) belongs to no Debian package" >&2; exit 1; }
    needed="$needed $package"
  done < <(direct_libraries "$binary"; dlopened_libraries "$binary")
done
needed=$(echo "$needed" | tr ' ' '\n' | grep -v '^$' | sort -u)

status=0
for package in $needed; do
  case " $base " in *" $package "*) continue ;; esac
  if ! grep -qx "$package" <<<"$provisioned"; then
    echo "check-runtime-deps: the binaries link $package, which provision.sh does not install" >&2
    status=1
  fi
done
for package in $provisioned; do
  [ "$package" = ca-certificates ] && continue
  if ! grep -qx "$package" <<<"$needed"; then
    echo "check-runtime-deps: provision.sh installs $package, which no binary links" >&2
    status=1
  fi
done
[ $status = 0 ] && echo "runtime dependencies: $(echo $needed | tr '\n' ' ')(all provided by provision.sh or the base image)"
exit $status
