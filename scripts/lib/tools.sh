# Shared by the setup and launcher scripts: where the per-machine tool cache lives and which
# versions are pinned (tools/versions.json is the single source of the versions).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache_root="${CASEFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/caseflow}"
version_of() { node -p "require('$repo_root/tools/versions.json').$1"; }
temporal_cli_version="$(version_of temporalCli)"
test_server_version="$(version_of temporalTestServer)"
temporal_cli_bin="$cache_root/temporal-cli/$temporal_cli_version/temporal"
test_server_lib="$cache_root/temporal-test-server/$test_server_version/lib"
temporal_server_version="$(version_of temporalServer)"
temporal_ui_server_version="$(version_of temporalUiServer)"
temporal_server_dir="$cache_root/temporal-server/$temporal_server_version"
temporal_ui_server_bin="$cache_root/temporal-ui-server/$temporal_ui_server_version/temporal-ui-server"
schemathesis_version="$(version_of schemathesis)"
fuzzer_venv="$cache_root/schemathesis/$schemathesis_version"
