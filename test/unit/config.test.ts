import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, portalSettingsFrom } from '../../src/config';

const fileWith = (content: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'caseflow-config-')), 'config.json');
  writeFileSync(path, content);
  return path;
};

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      taskQueue: 'caseflow',
      supportModel: 'customer-led',
      timeZone: 'America/Los_Angeles',
      devTemporalPort: 7233,
      devUiPort: 8233,
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reads the environment', () => {
    const config = loadConfig({
      PORT: '8080',
      CASEFLOW_SUPPORT_MODEL: 'partner-led',
      CASEFLOW_TIME_ZONE: 'Europe/Stockholm',
    });
    expect(config).toMatchObject({ port: 8080, supportModel: 'partner-led', timeZone: 'Europe/Stockholm' });
  });

  it("lets a deployment shorten the JIT password age but never beyond the seed's two hours", () => {
    expect(loadConfig({ CASEFLOW_ELEVATION_PASSWORD_MAX_AGE_MINUTES: '60' }).passwordMaxAgeMinutes).toBe(60);
    expect(loadConfig({}).passwordMaxAgeMinutes).toBe(120);
    expect(() => loadConfig({ CASEFLOW_ELEVATION_PASSWORD_MAX_AGE_MINUTES: '180' })).toThrow(
      /CASEFLOW_ELEVATION_PASSWORD_MAX_AGE_MINUTES/,
    );
  });

  it('takes a PostgreSQL vault URL and the Web UI origins allowed to call the codec endpoint', () => {
    const config = loadConfig({
      CASEFLOW_VAULT_URL: 'postgres://caseflow:pw@db:5432/caseflow_vault',
      CASEFLOW_CODEC_CORS_ORIGINS: 'http://127.0.0.1:8233/, https://ui.example.org',
    });
    expect(config.vaultUrl).toBe('postgres://caseflow:pw@db:5432/caseflow_vault');
    expect(config.codecCorsOrigins).toEqual(['http://127.0.0.1:8233', 'https://ui.example.org']);
    expect(loadConfig({}).codecCorsOrigins).toEqual([]);
    expect(() => loadConfig({ CASEFLOW_VAULT_URL: 'mysql://db/vault' })).toThrow(/CASEFLOW_VAULT_URL/);
    expect(() => loadConfig({ CASEFLOW_CODEC_CORS_ORIGINS: 'not a url' })).toThrow(
      /CASEFLOW_CODEC_CORS_ORIGINS/,
    );
  });

  it('names the setting that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ CASEFLOW_SUPPORT_MODEL: 'vendor-led' })).toThrow(/CASEFLOW_SUPPORT_MODEL/);
    expect(() => loadConfig({ CASEFLOW_TIME_ZONE: 'Mars/Olympus' })).toThrow(/CASEFLOW_TIME_ZONE.*IANA/);
    expect(() => loadConfig({ CASEFLOW_TASK_QUEUE: 'has spaces' })).toThrow(/CASEFLOW_TASK_QUEUE/);
  });

  it('reads an optional JSON file, with the environment taking precedence', () => {
    const path = fileWith(
      JSON.stringify({ port: 4000, providerName: 'Partner AB', supportModel: 'partner-led' }),
    );
    expect(loadConfig({ CASEFLOW_CONFIG_FILE: path })).toMatchObject({
      port: 4000,
      providerName: 'Partner AB',
    });
    expect(loadConfig({ CASEFLOW_CONFIG_FILE: path, PORT: '5000' }).port).toBe(5000);
  });

  it('rejects a broken or unknown file setting, naming it', () => {
    expect(() => loadConfig({ CASEFLOW_CONFIG_FILE: fileWith('{ nope') })).toThrow(
      /CASEFLOW_CONFIG_FILE.*not valid JSON/,
    );
    expect(() => loadConfig({ CASEFLOW_CONFIG_FILE: fileWith('[]') })).toThrow(/JSON object/);
    expect(() => loadConfig({ CASEFLOW_CONFIG_FILE: fileWith('{"prot": 1}') })).toThrow(
      /unknown setting.*prot/,
    );
    expect(() => loadConfig({ CASEFLOW_CONFIG_FILE: fileWith('{"port": -1}') })).toThrow(
      /PORT \(config file key "port"\)/,
    );
    expect(() => loadConfig({ CASEFLOW_CONFIG_FILE: '/nonexistent/caseflow.json' })).toThrow(/cannot read/);
  });
});

describe('portal sign-in settings', () => {
  const oidc = {
    CASEFLOW_OIDC_ISSUER: 'https://login.example.org/tenant/v2.0',
    CASEFLOW_OIDC_CLIENT_ID: 'caseflow',
    CASEFLOW_OIDC_REDIRECT_URL: 'https://caseflow.example.org/portal/auth/callback',
    CASEFLOW_OIDC_GROUP_ROLES: JSON.stringify({
      'Modern Workplace Roles-Support Partner': ['agent', 'escalation-team'],
    }),
  };

  it('offers the token sign-in when no issuer is set', () => {
    expect(portalSettingsFrom(loadConfig({})).oidc).toBeUndefined();
  });

  it('maps groups to roles from configuration', () => {
    expect(portalSettingsFrom(loadConfig(oidc)).oidc).toMatchObject({
      issuer: oidc.CASEFLOW_OIDC_ISSUER,
      groupsClaim: 'groups',
      groupRoles: { 'Modern Workplace Roles-Support Partner': ['agent', 'escalation-team'] },
    });
  });

  it('names what is missing or wrong', () => {
    expect(() => loadConfig({ CASEFLOW_OIDC_ISSUER: oidc.CASEFLOW_OIDC_ISSUER })).toThrow(
      /CASEFLOW_OIDC_CLIENT_ID/,
    );
    expect(() => loadConfig({ ...oidc, CASEFLOW_OIDC_GROUP_ROLES: '{"x": ["root"]}' })).toThrow(
      /CASEFLOW_OIDC_GROUP_ROLES/,
    );
    expect(() => loadConfig({ CASEFLOW_SESSION_KEY: 'c2hvcnQ=' })).toThrow(/CASEFLOW_SESSION_KEY/);
  });
});
