#!/usr/bin/env bash
# Sets up a Debian 12 machine for attnviz, then builds, launches or tests it.
#   tools/dev.sh run [attnviz options]  install missing packages, build the GUI only, launch it
#   tools/dev.sh test                   install missing packages, build everything, run every test
#   tools/dev.sh deps [LIST] | build    the single steps (deps: the packages of LIST too, e.g.
#                                       tools/debian-packages-fuzz.txt; build: every target, tests included)
# ATTNVIZ_BUILD_DIR (default: build) chooses the build folder; run and test share it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${ATTNVIZ_BUILD_DIR:-build}

# deps [LIST...]: installs what tools/debian-packages.txt and each LIST name and the machine lacks.
deps() {
    local pkgs missing=()
    pkgs=$(cat tools/debian-packages.txt "$@" | grep -v '^\s*#' | tr -s ' \t' '\n' | sed '/^$/d')
    for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo=sudo
        echo "Installing: ${missing[*]}"
        $sudo apt-get update
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

# run and test configure the folder with the same options (tests stay enabled in the cache; run just
# does not compile them), so switching between the two changes no cache entry and rebuilds nothing.
configure() {
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
}

# build [TARGET]: every target, or only TARGET and what it links against.
build() {
    configure
    cmake --build "$BUILD_DIR" -j"$(nproc)" ${1:+--target "$1"}
}

case "${1:-}" in
deps) shift; deps "$@" ;;
build) deps; build ;;
test)
    deps
    build
    QT_QPA_PLATFORM=offscreen ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)"
    ;;
run)
    shift
    deps
    build attnviz
    exec "$BUILD_DIR/app/gui/attnviz" "$@"
    ;;
*)
    sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"
    exit 2
    ;;
esac
