import { homedir } from 'node:os';
import { join } from 'node:path';
import versions from '../tools/versions.json';

/** The same cache layout as scripts/lib/tools.sh, which fills it. */
export const repoRoot = join(__dirname, '..');
export const cacheRoot =
  process.env.CASEFLOW_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'caseflow');
export const temporalCliPath = join(cacheRoot, 'temporal-cli', versions.temporalCli, 'temporal');
export const testServerPath = join(repoRoot, 'bin', 'temporal-test-server');
export const temporalServerDir = join(cacheRoot, 'temporal-server', versions.temporalServer);
export const temporalServerPath = join(temporalServerDir, 'temporal-server');
export const temporalSqlToolPath = join(temporalServerDir, 'temporal-sql-tool');
export const temporalUiServerPath = join(
  cacheRoot,
  'temporal-ui-server',
  versions.temporalUiServer,
  'temporal-ui-server',
);
export const schemathesisPath = join(cacheRoot, 'schemathesis', versions.schemathesis, 'bin', 'st');
