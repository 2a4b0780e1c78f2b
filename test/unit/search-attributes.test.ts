import { describe, expect, it } from 'vitest';
import { devServerArgs } from '../../scripts/dev-server';
import { devServerSearchAttributeArgs, SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

describe('search attributes for the dev server', () => {
  it('registers each with its CLI type', () => {
    const args = devServerSearchAttributeArgs();
    expect(args.filter((a) => a === '--search-attribute')).toHaveLength(SEARCH_ATTRIBUTES.length);
    expect(args).toContain('CaseStatus=Keyword');
    expect(args).toContain('SlaBreached=Bool');
  });

  it('starts the dev server persistent, with the UI on its port and no version check', () => {
    const args = devServerArgs({ dataDir: '/tmp/cf', ip: '127.0.0.1', port: 7233, uiPort: 8233 });
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(args[args.indexOf('--db-filename') + 1]).toBe('/tmp/cf/temporal.sqlite');
    expect(args[args.indexOf('--ui-port') + 1]).toBe('8233');
    expect(args).toContain('frontend.enableServerVersionCheck=false');
  });

  it('passes the HTTP API and metrics ports only when chosen', () => {
    const chosen = devServerArgs({
      dataDir: '/tmp/cf',
      ip: '127.0.0.1',
      port: 7233,
      uiPort: null,
      httpPort: 21001,
      metricsPort: 21002,
    });
    expect(chosen[chosen.indexOf('--http-port') + 1]).toBe('21001');
    expect(chosen[chosen.indexOf('--metrics-port') + 1]).toBe('21002');
    const left = devServerArgs({ dataDir: '/tmp/cf', ip: '127.0.0.1', port: 7233, uiPort: null });
    expect(left).not.toContain('--http-port');
    expect(left).not.toContain('--metrics-port');
  });

  it('lets a workflow task hand its activities straight to the worker (eager activity execution)', () => {
    const args = devServerArgs({ dataDir: '/tmp/cf', ip: '127.0.0.1', port: 7233, uiPort: null });
    const values = args.flatMap((a, i) => (args[i - 1] === '--dynamic-config-value' ? [a] : []));
    expect(values).toContain('system.enableActivityEagerExecution=true');
  });

  it('keeps SQLite durable: write-ahead log, every commit synced (never synchronous=OFF)', () => {
    const args = devServerArgs({ dataDir: '/tmp/cf', ip: '127.0.0.1', port: 7233, uiPort: null });
    const pragmas = args.flatMap((a, i) => (args[i - 1] === '--sqlite-pragma' ? [a] : []));
    expect(pragmas).toEqual(['journal_mode=WAL', 'synchronous=FULL']);
  });
});
