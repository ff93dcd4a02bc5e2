#!/usr/bin/env bash
# npm run test:alerts: promtool checks and unit-tests the alert rules (deploy/prometheus).
# promtool is built once from the Go module proxy into the cache (about 15 minutes on 2 busy
# cores, then instant); PROMTOOL names an existing binary instead.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v0.316.0
cache="${MSYNC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mirakl-shipbob-sync}/promtool-$version"
promtool="${PROMTOOL:-$cache/promtool}"
if [ ! -x "$promtool" ]; then
  echo "building promtool $version (once) into $cache …" >&2
  GOBIN="$cache" GOFLAGS=-modcacherw go install "github.com/prometheus/prometheus/cmd/promtool@$version"
fi
"$promtool" check rules deploy/prometheus/alerts.yml
"$promtool" test rules deploy/prometheus/alerts.test.yml
