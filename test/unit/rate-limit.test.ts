import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { changeBy, rateLimit } from '../../src/api/rate-limit';
import { HttpProblem } from '../../src/api/problem';

const request = (method: string, principal?: string, address = '192.0.2.7') =>
  ({
    method,
    principal: principal ? { principal, roles: ['agent'] } : undefined,
    socket: { remoteAddress: address },
  }) as unknown as Request;

describe('changeBy', () => {
  it('keys a state-changing request by its principal, whichever surface it came through', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(changeBy(request(method, 'agent-1'))).toBe('principal:agent-1');
    }
  });

  it('keys one made before signing in by the caller’s address, and exempts reads', () => {
    expect(changeBy(request('POST'))).toBe('address:192.0.2.7');
    expect(changeBy(request('GET', 'agent-1'))).toBeUndefined();
    expect(changeBy(request('HEAD'))).toBeUndefined();
  });
});

describe('rateLimit', () => {
  it('refuses with 429 and Retry-After once the key’s bucket is empty; one limiter serves every mount', () => {
    const limit = rateLimit({ burst: 2, perMinute: 6 }, changeBy, () => 0);
    const run = (req: Request) => {
      let passed = false;
      limit(req, {} as never, () => (passed = true));
      return passed;
    };
    // The same limiter mounted on /v1 and on the portal: the two requests share one bucket.
    expect(run(request('POST', 'agent-1'))).toBe(true);
    expect(run(request('POST', 'agent-1'))).toBe(true);
    let refused: unknown;
    try {
      run(request('POST', 'agent-1'));
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(HttpProblem);
    expect((refused as HttpProblem).status).toBe(429);
    expect((refused as HttpProblem).headers['Retry-After']).toBe('10');
    expect(run(request('GET', 'agent-1'))).toBe(true);
    expect(run(request('POST', 'agent-2'))).toBe(true);
  });
});
