import { describe, expect, it } from 'vitest';
import { budgetedLogger } from '../../src/api/log-budget';
import { createLogger } from '../../src/logger';

describe('budgetedLogger', () => {
  it('lets through a few lines a minute, drops the rest and then says how many it dropped', () => {
    let now = 0;
    const lines: Record<string, unknown>[] = [];
    const log = budgetedLogger(
      createLogger('api', 'debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
      3,
      () => now,
    );
    for (let i = 0; i < 1_000; i++) log.warn('callback refused', { i });
    expect(lines).toHaveLength(3);
    now = 20_000;
    log.warn('callback refused', { i: 'later' });
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ i: 'later', suppressedSinceLast: 997 });
    log.warn('callback refused', { i: 'again' });
    expect(lines).toHaveLength(4);
  });
});
