import { describe, expect, it } from 'vitest';
import { jsonIssues, REQUEST_LIMITS, unreadableTarget } from '../../src/api/request-limits';

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

describe('unreadableTarget', () => {
  it('reads ordinary targets, Swedish and emoji percent-encoded included', () => {
    for (const target of [
      '/v1/cases',
      '/',
      '/portal/assets/portal.css',
      '/v1/elevations/0b7c3f3e-6a8e-4d51-9a61-6f0f6f8f1a2b.1/checkout',
      `/portal/cases?assignee=${encodeURIComponent('Åsa Öberg 😞')}&status=open`,
      '/portal/sign-in?next=%2Fportal%2Fcases&expired=1',
      '/portal/cases?assignee=a+b&empty=&flag',
    ]) {
      expect(unreadableTarget(target), target).toBeUndefined();
    }
  });

  it('refuses broken percent-encoding and bytes that are not UTF-8, overlong forms included', () => {
    for (const target of [
      '/v1/cases/%ZZ',
      '/portal/cases/%E0%A4%A',
      '/portal/cases/%',
      '/v1/cases/%FF',
      '/v1/cases/%C0%AE',
      '/v1/cases/%ED%A0%80',
    ]) {
      expect(unreadableTarget(target), target).toMatch(/not valid percent-encoded UTF-8/);
    }
    expect(unreadableTarget('/v1/cases?assignee=%E0%A4%A')).toMatch(/query string is not valid/);
    expect(unreadableTarget('/v1/cases?%ZZ=1')).toMatch(/query string is not valid/);
  });

  it('refuses dot segments, written out or encoded, and encoded slashes', () => {
    for (const target of ['/portal/../v1/cases', '/v1/cases/./x', '/v1/cases/%2E%2E/x', '/v1/cases/%2e']) {
      expect(unreadableTarget(target), target).toMatch(/dot segment/);
    }
    expect(unreadableTarget('/v1/cases/a%2Fb')).toMatch(/slash/);
    expect(unreadableTarget('/v1/cases/a%5Cb')).toMatch(/slash or backslash/);
    // A dot inside a segment is a name, not a dot segment.
    expect(unreadableTarget('/v1/cases/..a/.b')).toBeUndefined();
  });

  it('refuses path segments that decode to characters no text field accepts', () => {
    expect(unreadableTarget('/portal/cases/%00')).toMatch(/NUL/);
    expect(unreadableTarget('/v1/cases/a%1Bb')).toMatch(/control character/);
    expect(unreadableTarget('/v1/cases/a%E2%80%AEb')).toMatch(/bidirectional/);
  });
});
