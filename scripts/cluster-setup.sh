#!/usr/bin/env bash
# What the cluster profile needs beyond scripts/setup.sh, built once per machine into the same
# cache ($CASEFLOW_CACHE_DIR, default ~/.cache/caseflow) from the official Go modules at the pinned
# versions of tools/versions.json:
#  - the Temporal server (every service in one binary) and temporal-sql-tool (schemas for PostgreSQL),
#  - the Temporal Web UI server.
# Safe to run concurrently: each build holds a lock; a finished build is never redone.
set -euo pipefail
source "$(dirname "$0")/lib/tools.sh"
mkdir -p "$cache_root"

say() { printf '[cluster-setup] %s\n' "$*" >&2; }

ensure_temporal_server() {
  exec 7>"$cache_root/.temporal-server.lock"
  flock 7
  if [[ -x "$temporal_server_dir/temporal-server" && -x "$temporal_server_dir/temporal-sql-tool" ]]; then
    exec 7>&-
    return
  fi
  say "building the Temporal server and sql tool $temporal_server_version from source (first time on this machine; about 10 minutes)"
  local tmp
  tmp="$(mktemp -d "$cache_root/.temporal-server-build.XXXXXX")"
  # Pure Go, without the optional gRPC modules the release images leave out too.
  CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod go install -tags disable_grpc_modules -ldflags "-s -w" \
    "go.temporal.io/server/cmd/server@$temporal_server_version" \
    "go.temporal.io/server/cmd/tools/sql@$temporal_server_version"
  mkdir -p "$temporal_server_dir"
  mv -f "$tmp/server" "$temporal_server_dir/temporal-server"
  mv -f "$tmp/sql" "$temporal_server_dir/temporal-sql-tool"
  rm -rf "$tmp"
  say "Temporal server ready: $temporal_server_dir"
  exec 7>&-
}

ensure_temporal_ui_server() {
  exec 5>"$cache_root/.temporal-ui-server.lock"
  flock 5
  if [[ -x "$temporal_ui_server_bin" ]]; then
    exec 5>&-
    return
  fi
  say "building the Temporal Web UI server $temporal_ui_server_version from source (first time on this machine)"
  local tmp
  tmp="$(mktemp -d "$cache_root/.temporal-ui-server-build.XXXXXX")"
  CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod go install -ldflags "-s -w" \
    "github.com/temporalio/ui-server/v2/cmd/server@$temporal_ui_server_version"
  mkdir -p "$(dirname "$temporal_ui_server_bin")"
  mv -f "$tmp/server" "$temporal_ui_server_bin"
  rm -rf "$tmp"
  say "Temporal Web UI server ready: $temporal_ui_server_bin"
  exec 5>&-
}

command -v openssl >/dev/null || { say "openssl is needed to make the cluster's certificates"; exit 1; }
ensure_temporal_server
# The tests run headless: `--without-ui` spares CI the Web UI server's build.
if [[ "${1:-}" != "--without-ui" ]]; then ensure_temporal_ui_server; fi
