#!/usr/bin/env bash
# drift-check.sh: is the W&B organization still what the manifest says?
#
# Runs `wbsync plan --detailed-exitcode` (read only: it never writes to W&B),
# writes Prometheus gauges for node_exporter's textfile collector, and exits:
#   0  in sync                      (prints nothing, so cron sends no mail)
#   2  drift: the plan has changes  (prints the plan)
#   3  a safety limit blocked the plan: a large removal is pending (prints the plan)
#   1  error: bad manifest, authentication, network, a failed read; or
#      another run holds the lock (said on stderr)
#      (metrics file untouched, so its timestamp goes stale and alerts)
#
# Settings, all from the environment:
#   WBSYNC               wbsync binary                      (default: wbsync on PATH)
#   WBSYNC_MANIFEST      manifest file or directory         (default: /etc/wbsync/wbsync.yaml)
#   WBSYNC_METRICS_FILE  gauges file; empty = none          (default: /var/lib/node_exporter/textfile_collector/wbsync.prom)
#   WBSYNC_PLAN_FILE     also save the plan here, for a later `wbsync apply FILE`  (default: none)
#   WBSYNC_API_KEY_FILE  file holding the API key           (default: none: use WANDB_API_KEY)
#   WBSYNC_LOCK          lock file, so runs never overlap   (default: $HOME/.wbsync-drift-check.lock;
#                        in the job user's home, where no other user can create it first)
#   WBSYNC_URL, WBSYNC_DEPLOYMENT, WBSYNC_AUTH, WANDB_API_KEY: read by wbsync itself.
set -uo pipefail

wbsync=${WBSYNC:-wbsync}
manifest=${WBSYNC_MANIFEST:-/etc/wbsync/wbsync.yaml}
metrics=${WBSYNC_METRICS_FILE-/var/lib/node_exporter/textfile_collector/wbsync.prom}
lock=${WBSYNC_LOCK:-${HOME:-${TMPDIR:-/tmp}}/.wbsync-drift-check.lock}

if command -v flock >/dev/null 2>&1; then
  exec 9>"$lock" || { echo "drift-check: cannot open lock file $lock" >&2; exit 1; }
  if ! flock -n 9; then
    echo "drift-check: another run holds $lock; skipping" >&2
    exit 1
  fi
elif [ -n "${WBSYNC_LOCK:-}" ]; then
  # Asked for a lock that cannot be taken (macOS has no flock unless
  # installed, as with Homebrew's util-linux). Said only then: cron mails
  # whatever a run prints, and a run in sync prints nothing.
  echo "drift-check: flock not found: runs are not kept from overlapping (WBSYNC_LOCK is not used)" >&2
fi

args=(plan -f "$manifest" --detailed-exitcode --no-color --log-level warn)
[ -n "$metrics" ] && args+=(--metrics-file "$metrics")
[ -n "${WBSYNC_PLAN_FILE:-}" ] && args+=(--out "$WBSYNC_PLAN_FILE")
[ -n "${WBSYNC_API_KEY_FILE:-}" ] && args+=(--api-key-file "$WBSYNC_API_KEY_FILE")

out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

"$wbsync" "${args[@]}" >"$out"
code=$?
if [ ! -s "$out" ] && [ "$code" != 1 ]; then
  # A plan always prints something; a Go runtime crash also exits 2.
  echo "drift-check: wbsync plan printed no plan (exit code $code; see the messages above)" >&2
  exit 1
fi

case $code in
  0)
    exit 0
    ;;
  2)
    echo "drift-check: the W&B organization differs from $manifest; this is the plan:"
    cat "$out"
    exit 2
    ;;
  3)
    echo "drift-check: the plan is BLOCKED by a safety limit (nothing was written); review it:"
    cat "$out"
    exit 3
    ;;
  *)
    cat "$out"
    echo "drift-check: wbsync plan failed with exit code $code (see the messages above)" >&2
    exit 1
    ;;
esac
