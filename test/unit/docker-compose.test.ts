import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SETTINGS } from '../../src/config';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, unknown> | string[];
}
const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const services = compose.services;
const knownEnv = new Set<string>([...Object.values(SETTINGS), 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE']);

describe('docker-compose.yml (production topology; no engine runs here, so it is checked as data)', () => {
  it('has Temporal on PostgreSQL, the Web UI, and caseflow API and worker', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'caseflow-api', 'caseflow-worker']),
    );
    expect(services.temporal?.environment?.DB).toBe('postgres12');
    expect(services.temporal?.environment?.POSTGRES_SEEDS).toBe('postgresql');
  });

  it('publishes gRPC 7233, the UI on 8233 and the API on 3000', () => {
    expect(services.temporal?.ports).toContain('7233:7233');
    expect(services['temporal-ui']?.ports).toContain('8233:8080');
    expect(services['caseflow-api']?.ports).toContain('3000:3000');
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
