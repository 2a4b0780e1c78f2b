#!/usr/bin/env bash
# Installs what caseflow needs to run and test, and nothing that is already there:
#  - npm packages (when package.json or package-lock.json changed since the last install),
#  - the Temporal CLI (dev server + Web UI) built from the official Go module at a pinned version,
#  - the Java time-skipping test server fetched with Maven,
#  - Debian's chromium for the browser tests (apt-get, only when /usr/bin/chromium is missing),
#  - PostgreSQL from the distribution's packages (the PostgreSQL vault's tests and the cluster
#    profile run private servers of their own; no system-wide cluster is created or started),
#  - schemathesis (the API fuzzer) in a Python virtualenv, at the version in tools/versions.json.
# Builds go into a per-machine cache outside the repository ($CASEFLOW_CACHE_DIR, default
# ~/.cache/caseflow) so clones share them. Safe to run concurrently: each step holds a lock.
set -euo pipefail
source "$(dirname "$0")/lib/tools.sh"
cd "$repo_root"
mkdir -p "$cache_root"

say() { printf '[setup] %s\n' "$*" >&2; }

ensure_npm_packages() {
  local stamp=node_modules/.caseflow-lock.sha256
  local want
  want="$(cat package.json package-lock.json | sha256sum | cut -d" " -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
}

ensure_temporal_cli() {
  exec 8>"$cache_root/.temporal-cli.lock"
  flock 8
  if [[ -x "$temporal_cli_bin" ]] && "$temporal_cli_bin" --version 2>/dev/null | grep -q "${temporal_cli_version#v}"; then
    exec 8>&-
    return
  fi
  say "building the Temporal CLI $temporal_cli_version from source (first time on this machine; several minutes)"
  local tmp
  tmp="$(mktemp -d "$cache_root/.temporal-cli-build.XXXXXX")"
  # The same flags as the project's release build: version stamped, symbols stripped, pure Go.
  CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod go install \
    -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=${temporal_cli_version#v}" \
    "github.com/temporalio/cli/cmd/temporal@$temporal_cli_version"
  if ! "$tmp/temporal" --version | grep -q "${temporal_cli_version#v}"; then
    say "the built Temporal CLI does not report version $temporal_cli_version"
    exit 1
  fi
  mkdir -p "$(dirname "$temporal_cli_bin")"
  mv -f "$tmp/temporal" "$temporal_cli_bin"
  rm -rf "$tmp"
  say "Temporal CLI ready: $("$temporal_cli_bin" --version)"
  exec 8>&-
}

ensure_test_server() {
  exec 9>"$cache_root/.test-server.lock"
  flock 9
  local done_stamp="$test_server_lib/.complete"
  if [[ -f "$done_stamp" ]]; then
    exec 9>&-
    return
  fi
  say "fetching the Temporal time-skipping test server $test_server_version with Maven"
  local tmp
  tmp="$(mktemp -d "$cache_root/.test-server-fetch.XXXXXX")"
  mvn -q -B -Dstyle.color=never -f tools/temporal-test-server/pom.xml \
    -Dtemporal.testserver.version="$test_server_version" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/lib"
  if ! ls "$tmp/lib"/temporal-test-server-*.jar >/dev/null 2>&1; then
    say "Maven did not produce the temporal-test-server jar"
    exit 1
  fi
  rm -rf "$test_server_lib"
  mkdir -p "$(dirname "$test_server_lib")"
  mv "$tmp/lib" "$test_server_lib"
  rm -rf "$tmp"
  touch "$done_stamp"
  say "time-skipping test server ready: $test_server_lib"
  exec 9>&-
}

# The browser tests drive Debian's chromium; no browser is ever downloaded by an npm package.
# Installing needs root (CI runs as root); elsewhere the step says what to run and goes on, so
# everything but the browser tests still works.
ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then return; fi
  exec 7>"$cache_root/.chromium.lock"
  flock 7
  if [[ ! -x /usr/bin/chromium ]]; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
      say "installing chromium from the Debian packages (for the browser tests)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      say "chromium is missing: run 'sudo apt-get update && sudo apt-get install chromium' for the browser tests"
    fi
  fi
  exec 7>&-
}

postgres_installed() { compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; }

ensure_postgresql() {
  if postgres_installed; then return; fi
  exec 6>"$cache_root/.postgresql.lock"
  flock 6
  if postgres_installed; then
    exec 6>&-
    return
  fi
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    if ! command -v sudo >/dev/null; then
      say "PostgreSQL is missing: install the distribution's postgresql package (as root), then rerun"
      exit 1
    fi
    sudo=(sudo)
  fi
  say "installing PostgreSQL from the distribution's packages"
  # caseflow starts its own servers in directories of its own: the package's default cluster
  # (a system service on port 5432) would only take memory and a port.
  "${sudo[@]}" mkdir -p /etc/postgresql-common
  if [[ ! -f /etc/postgresql-common/createcluster.conf ]]; then
    echo 'create_main_cluster = false' | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql \
    || { "${sudo[@]}" apt-get update -q && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends postgresql; }
  if ! postgres_installed; then
    say "the postgresql package did not provide /usr/lib/postgresql/*/bin/pg_ctl"
    exit 1
  fi
  exec 6>&-
}

# The API fuzzer: schemathesis from PyPI in a virtualenv of its own, one per pinned version.
# `python3 -m venv` needs Debian's python3-venv (ensurepip); it is installed like chromium.
ensure_fuzzer() {
  exec 5>"$cache_root/.fuzzer.lock"
  flock 5
  if [[ -x "$fuzzer_venv/bin/st" ]] && "$fuzzer_venv/bin/st" --version 2>/dev/null | grep -q " $schemathesis_version\$"; then
    exec 5>&-
    return
  fi
  if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
      if ! command -v sudo >/dev/null; then
        say "python3 with venv is missing: install the distribution's python3-venv package (as root), then rerun"
        exit 1
      fi
      sudo=(sudo)
    fi
    say "installing python3-venv from the Debian packages (for the API fuzzer)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv \
      || { "${sudo[@]}" apt-get update -q && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends python3-venv; }
  fi
  say "creating the schemathesis $schemathesis_version virtualenv (first time on this machine)"
  # A virtualenv records its own path, so it is built in place; only a working `st` of the
  # pinned version counts as done, so an interrupted build is redone from scratch.
  rm -rf "$fuzzer_venv"
  mkdir -p "$(dirname "$fuzzer_venv")"
  python3 -m venv "$fuzzer_venv"
  "$fuzzer_venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
  if ! "$fuzzer_venv/bin/st" --version | grep -q " $schemathesis_version\$"; then
    say "the virtualenv's schemathesis does not report version $schemathesis_version"
    exit 1
  fi
  say "schemathesis ready: $("$fuzzer_venv/bin/st" --version)"
  exec 5>&-
}

ensure_npm_packages
ensure_temporal_cli
ensure_test_server
ensure_chromium
ensure_postgresql
ensure_fuzzer
