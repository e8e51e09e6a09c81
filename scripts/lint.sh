#!/usr/bin/env bash
# lint.sh: staticcheck, go vet for other platforms, and actionlint on the
# GitHub Actions recipes (go vet and gofmt for this platform run once, in
# `make test`). The tools run with
# `go run PKG@VERSION`, which neither adds them to go.mod/go.sum nor needs
# them installed; the first run downloads them into
# the module cache. actionlint also checks `run:` scripts with ShellCheck
# when the shellcheck binary is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
STATICCHECK=${STATICCHECK:-honnef.co/go/tools/cmd/staticcheck@v0.7.0}
ACTIONLINT=${ACTIONLINT:-github.com/rhysd/actionlint/cmd/actionlint@v1.7.12}

status=0
step() { printf '== %s\n' "$*"; }

step "staticcheck ($STATICCHECK)"
$GO run "$STATICCHECK" ./... || status=1

# The code and its tests build beyond linux/amd64: another OS (no named
# pipes, no rusage, no uid; Windows' and macOS's own terminal requests)
# and a 32-bit int. go vet type-checks the tests too, which go build would
# not.
for target in windows/amd64 darwin/arm64 linux/386; do
  step "go vet for $target"
  GOOS=${target%/*} GOARCH=${target#*/} $GO vet ./... || status=1
done

step "actionlint ($ACTIONLINT) on examples/ci/github"
command -v shellcheck >/dev/null 2>&1 || echo "(shellcheck not on PATH: run: scripts are not shell-checked)"
$GO run "$ACTIONLINT" -no-color examples/ci/github/*.yml || status=1

if [ "$status" -ne 0 ]; then
  echo "lint: FAILED" >&2
else
  echo "lint: ok"
fi
exit "$status"
