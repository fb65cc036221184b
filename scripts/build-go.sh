#!/usr/bin/env bash
# Cross-build the Go test programs (tests/go/NAME/, one main package each)
# into build/go/NAME: static ARMv7 Linux binaries made by Debian's golang-go
# with GOOS=linux GOARCH=arm GOARM=7 CGO_ENABLED=0. The build cache lives in
# build/go-cache, so only the first build compiles Go's standard library
# for arm (about 10 s); later ones take a second or skip when up to date.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/go"
OUT="$ROOT/build/go"
command -v go >/dev/null || { echo "build-go.sh: go not found; run scripts/install-deps.sh (golang-go)" >&2; exit 1; }
mkdir -p "$OUT"
export GOCACHE="$ROOT/build/go-cache" GOPATH="$ROOT/build/go-path" GOPROXY=off GOFLAGS=-buildvcs=false
export GOOS=linux GOARCH=arm GOARM=7 CGO_ENABLED=0
built=0; uptodate=0
for dir in "$SRC"/*/; do
    name="$(basename "$dir")"
    out="$OUT/$name"
    if [ -f "$out" ] && [ -z "$(find "$dir" "$0" -newer "$out" -print -quit)" ]; then
        uptodate=$((uptodate + 1)); continue
    fi
    (cd "$dir" && go build -o "$out.tmp" .) && mv -f "$out.tmp" "$out"
    built=$((built + 1))
done
echo "build-go.sh: $built built, $uptodate up to date ($(go version | cut -d' ' -f3)) -> $OUT"
