import { describe, expect, it } from 'vitest';
import { MAX_PREFER_WAIT_SECONDS, preferredWaitSeconds } from '../../src/api/prefer';

describe('Prefer: wait=N', () => {
  it('reads the wait in seconds, among other preferences and with parameters', () => {
    expect(preferredWaitSeconds('wait=3')).toBe(3);
    expect(preferredWaitSeconds('return=representation, wait=5')).toBe(5);
    expect(preferredWaitSeconds('WAIT = "2"; foo=bar')).toBe(2);
  });
  it('caps the wait', () => {
    expect(preferredWaitSeconds('wait=3600')).toBe(MAX_PREFER_WAIT_SECONDS);
  });
  it('asks for no wait when absent or unreadable (a preference is a hint, never an error)', () => {
    expect(preferredWaitSeconds(undefined)).toBe(0);
    expect(preferredWaitSeconds('')).toBe(0);
    expect(preferredWaitSeconds('wait=-1')).toBe(0);
    expect(preferredWaitSeconds('wait=soon')).toBe(0);
    expect(preferredWaitSeconds('respond-async')).toBe(0);
    expect(preferredWaitSeconds('wait=0')).toBe(0);
  });
});
