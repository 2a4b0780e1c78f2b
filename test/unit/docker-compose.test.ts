import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLUSTER_DYNAMIC_CONFIG } from '../../scripts/lib/cluster';
import { SETTINGS } from '../../src/config';
import { CODEC_KEYS_SETTING } from '../../src/temporal/codec';
import { SEARCH_ATTRIBUTE_KEYS_SETTING } from '../../src/temporal/personal-index';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { OTEL_SETTINGS } from '../../src/temporal/tracing';

interface Service {
  image?: string;
  networks?: string[];
  secrets?: string[];
  build?: unknown;
  command?: string[] | string;
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, unknown> | string[];
}
const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
  configs: Record<string, { content?: string }>;
};
const services = compose.services;
const knownEnv = new Set<string>([
  ...Object.values(SETTINGS),
  CODEC_KEYS_SETTING,
  SEARCH_ATTRIBUTE_KEYS_SETTING,
  ...OTEL_SETTINGS,
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
]);

describe('docker-compose.yml (production topology; no engine runs here, so it is checked as data)', () => {
  it('has Temporal on PostgreSQL, the Web UI, and caseflow API and worker', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'caseflow-api', 'caseflow-worker']),
    );
    expect(services.temporal?.environment?.DB).toBe('postgres12');
    expect(services.temporal?.environment?.POSTGRES_SEEDS).toBe('postgresql');
  });

  it('gives Temporal the dynamic config the dev server and the cluster profile run with', () => {
    const dynamic = parse(compose.configs['temporal-dynamic-config']?.content ?? '') as Record<
      string,
      { value: unknown }[]
    >;
    for (const [key, values] of Object.entries(dynamic))
      expect(CLUSTER_DYNAMIC_CONFIG).toHaveProperty([key], values);
    expect(dynamic['system.enableActivityEagerExecution']).toEqual([{ value: true }]);
    expect(dynamic['frontend.enableServerVersionCheck']).toEqual([{ value: false }]);
  });

  it('publishes only the API, and the Web UI on loopback; Temporal stays on an internal network', () => {
    expect(services.temporal?.ports).toBeUndefined();
    expect(services.postgresql?.ports).toBeUndefined();
    expect(services['caseflow-vault-db']?.ports).toBeUndefined();
    expect(services['temporal-ui']?.ports).toEqual(['127.0.0.1:8233:8080']);
    expect(services['caseflow-api']?.ports).toContain('3000:3000');
    expect(compose.networks.backend?.internal).toBe(true);
    for (const name of ['temporal', 'postgresql', 'caseflow-vault-db']) {
      expect(services[name]?.networks).toEqual(['backend']);
    }
  });

  it('requires client certificates at the frontend, and every client presents one', () => {
    const temporal = services.temporal?.environment ?? {};
    expect(temporal.TEMPORAL_TLS_REQUIRE_CLIENT_AUTH).toBe('true');
    expect(temporal.TEMPORAL_TLS_CLIENT1_CA_CERT).toBe('/run/secrets/temporal-ca');
    for (const name of ['caseflow-api', 'caseflow-worker']) {
      const env = services[name]?.environment ?? {};
      expect(env.TEMPORAL_TLS_CLIENT_CERT_PATH).toBe('/run/secrets/temporal-client-cert');
      expect(env.TEMPORAL_TLS_CLIENT_KEY_PATH).toBe('/run/secrets/temporal-client-key');
      expect(services[name]?.secrets).toEqual(
        expect.arrayContaining(['temporal-client-cert', 'temporal-client-key']),
      );
    }
    const ui = services['temporal-ui']?.environment ?? {};
    expect(ui.TEMPORAL_TLS_CERT).toBeDefined();
  });

  it('puts the Web UI behind its own sign-in, opening payloads through caseflow’s codec endpoint', () => {
    const ui = services['temporal-ui']?.environment ?? {};
    expect(ui.TEMPORAL_AUTH_ENABLED).toBe('true');
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe('http://127.0.0.1:3000/codec');
    expect(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('true');
    expect(services['caseflow-api']?.environment?.CASEFLOW_CODEC_CORS_ORIGINS).toBe('http://127.0.0.1:8233');
  });

  it('signs the Web UI in with caseflow, reached on the backend network, browsers sent to the portal', () => {
    const ui = services['temporal-ui']?.environment ?? {};
    const api = services['caseflow-api']?.environment ?? {};
    expect(ui.TEMPORAL_AUTH_PROVIDER_URL).toBe(api.CASEFLOW_WEB_UI_ISSUER);
    expect(new URL(api.CASEFLOW_WEB_UI_ISSUER ?? '').host).toBe('caseflow-api:3000');
    expect(ui.TEMPORAL_AUTH_CLIENT_ID).toBe(api.CASEFLOW_WEB_UI_CLIENT_ID);
    expect(ui.TEMPORAL_AUTH_CLIENT_SECRET).toBe(api.CASEFLOW_WEB_UI_CLIENT_SECRET);
    expect(ui.TEMPORAL_AUTH_CALLBACK_URL).toBe(api.CASEFLOW_WEB_UI_REDIRECT_URL);
    expect(api.CASEFLOW_WEB_UI_PORTAL_ORIGIN).toBe('http://127.0.0.1:3000');
    expect(services['caseflow-api']?.ports).toContain('3000:3000');
  });

  it('seals payloads and shares the PostgreSQL vault across every caseflow process', () => {
    for (const name of ['caseflow-api', 'caseflow-worker']) {
      const env = services[name]?.environment ?? {};
      expect(env[CODEC_KEYS_SETTING]).toMatch(/CASEFLOW_CODEC_KEYS/);
      expect(env.CASEFLOW_VAULT_URL).toMatch(/^postgres:\/\/.*@caseflow-vault-db:5432\/caseflow_vault$/);
      expect(env.CASEFLOW_VAULT_FILE).toBeUndefined();
    }
    // The API hashes requester ids and device serials for search attributes; workflows never need the key.
    expect(services['caseflow-api']?.environment?.[SEARCH_ATTRIBUTE_KEYS_SETTING]).toMatch(
      /CASEFLOW_SEARCH_ATTRIBUTE_KEYS/,
    );
  });

  it('gives caseflow only settings the code reads, pointed at the cluster', () => {
    for (const name of ['caseflow-api', 'caseflow-worker']) {
      const env = services[name]?.environment ?? {};
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      for (const key of Object.keys(env)) expect(knownEnv, `${name}: ${key}`).toContain(key);
      expect(services[name]?.build).toBeDefined();
    }
    expect(services['caseflow-api']?.environment?.CASEFLOW_API_KEYS_FILE).toBeDefined();
    expect(services['caseflow-api']?.command).toEqual(['node', 'dist/server.js']);
    expect(services['caseflow-worker']?.command).toEqual(['node', 'dist/worker.js']);
  });

  it('registers every search attribute the workflows use', () => {
    const command = JSON.stringify(services['temporal-search-attributes']?.command);
    for (const key of SEARCH_ATTRIBUTES) expect(command).toContain(`--name ${key.name} --type`);
  });

  it('builds the image the services run', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/USER node/);
  });
});
