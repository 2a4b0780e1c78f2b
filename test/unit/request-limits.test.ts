import { describe, expect, it } from 'vitest';
import { jsonIssues, REQUEST_LIMITS } from '../../src/api/request-limits';

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { inner: value };
  return value;
};

describe('jsonIssues', () => {
  it('accepts ordinary bodies, Swedish included', () => {
    expect(
      jsonIssues(
        { title: 'Skrivaren på plan 3', requester: { name: 'Åsa Öberg' }, tags: ['a', 1, null] },
        'body',
      ),
    ).toEqual([]);
    expect(jsonIssues(nested(REQUEST_LIMITS.maxJsonDepth), 'body')).toEqual([]);
  });

  it('refuses nesting beyond the limit, without recursing (100 000 levels)', () => {
    expect(jsonIssues(nested(REQUEST_LIMITS.maxJsonDepth + 1), 'body')).toEqual([
      expect.objectContaining({ code: 'too_deep' }),
    ]);
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(jsonIssues(deep, 'body')[0]?.code).toBe('too_deep');
  });

  it('names the field carrying a forbidden character, in values and in keys', () => {
    expect(jsonIssues({ requester: { name: 'Anna\u0000' } }, 'body')).toEqual([
      { path: 'body.requester.name', message: 'contains NUL (U+0000)', code: 'unsafe_character' },
    ]);
    expect(jsonIssues({ 'x\u202e': 1 }, 'query')).toEqual([
      expect.objectContaining({ path: 'query.x\u202e', code: 'unsafe_character' }),
    ]);
  });
});
