#!/usr/bin/env bash
# The C side: builds libcrm, checks that the committed include/crm.h is what cbindgen makes of crm-ffi
# now, then builds every C test in tests/c and the C quickstart with warnings as errors, and runs each
# under valgrind (no leaks, no errors); the CDNOW checks of test_analytics (--cdnow) run once more without it.
# Runnable by hand; scripts/test.sh runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "gcc and valgrind"
for tool in gcc g++ valgrind; do
  if ! command -v "$tool" >/dev/null; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq gcc g++ valgrind
    break
  fi
done

cbindgen_version=0.29.4
step "cbindgen $cbindgen_version"
if ! command -v cbindgen >/dev/null || [ "$(cbindgen --version)" != "cbindgen $cbindgen_version" ]; then
  cargo install cbindgen --version "=$cbindgen_version" --locked
fi

step "include/crm.h is the header cbindgen generates"
fresh=$(mktemp)
build=$(mktemp -d)
trap 'rm -rf "$fresh" "$build"' EXIT
cbindgen --quiet --config crm-ffi/cbindgen.toml --crate crm-ffi --output "$fresh"
if ! diff -u include/crm.h "$fresh"; then
  echo "include/crm.h is stale: regenerate it with" >&2
  echo "  cbindgen --config crm-ffi/cbindgen.toml --crate crm-ffi --output include/crm.h" >&2
  exit 1
fi

step "the header compiles alone, as C11 and as C++"
printf '#include "crm.h"\n' >"$build/alone.c"
printf '#include "crm.h"\n' >"$build/alone.cpp"
gcc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude -c "$build/alone.c" -o "$build/alone_c.o"
g++ -std=c++11 -Wall -Wextra -Werror -pedantic -Iinclude -c "$build/alone.cpp" -o "$build/alone_cpp.o"

step "libcrm (shared and static)"
cargo build --locked -p crm-ffi
lib="$PWD/target/debug"

step "every function libcrm exports is declared in the header, and every declared one exported"
nm -D --defined-only "$lib/libcrm.so" | awk '$2 == "T" && $3 ~ /^crm_/ { print $3 }' | sort >"$build/exported"
grep -oE '\bcrm_[a-z0-9_]+\(' include/crm.h | tr -d '(' | sort -u >"$build/declared"
if ! diff -u "$build/declared" "$build/exported"; then
  echo "include/crm.h and libcrm disagree on the functions above" >&2
  exit 1
fi
echo "$(wc -l <"$build/exported") functions"

# CRM_REPO_DIR: where a test finds the repository's data files (the tests run in a scratch directory).
cflags=(-std=c11 -Wall -Wextra -Werror -g -Iinclude -Itests/c -DCRM_REPO_DIR="\"$PWD\"")
valgrind=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible
          --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1)

step "C tests under valgrind"
failed=()
for test in tests/c/test_*.c; do
  name=$(basename "$test" .c)
  gcc "${cflags[@]}" "$test" -o "$build/$name" -L"$lib" -lcrm -Wl,-rpath,"$lib" -lpthread
  echo "--- $name"
  # Every test runs, so one failure does not hide another's.
  (cd "$build" && "${valgrind[@]}" "./$name") || failed+=("$name")
done

step "CDNOW through C: test_analytics --cdnow (69,659 orders; without valgrind, which would take minutes)"
(cd "$build" && ./test_analytics --cdnow) || failed+=("test_analytics --cdnow")

if [ ${#failed[@]} -gt 0 ]; then
  echo "C tests failed: ${failed[*]}" >&2
  exit 1
fi

step "examples/c/quickstart.c (linked statically, run as a new user would, under valgrind)"
gcc "${cflags[@]}" examples/c/quickstart.c -o "$build/quickstart" "$lib/libcrm.a" -lpthread -ldl -lm
(cd "$build" && "${valgrind[@]}" ./quickstart >quickstart.out)
cat "$build/quickstart.out"

step "examples/c/telephony.c (a PBX bridge: linked statically, its sample day under valgrind, then events from stdin)"
gcc "${cflags[@]}" examples/c/telephony.c -o "$build/telephony" "$lib/libcrm.a" -lpthread -ldl -lm
(cd "$build" && "${valgrind[@]}" ./telephony telephony.crm </dev/null >telephony.out)
cat "$build/telephony.out"
grep -q "repeat: nothing changed" "$build/telephony.out"
printf '%s\n' '{"call_id": "s-1", "event": "missed", "at": "2026-11-03T08:00:00Z", "caller": "0931234567"}' |
  (cd "$build" && "${valgrind[@]}" ./telephony telephony.crm >telephony-stdin.out)
cat "$build/telephony-stdin.out"
grep -q "s-1 *missed" "$build/telephony-stdin.out"
