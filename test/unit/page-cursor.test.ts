import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/api/page-cursor';
import { HttpProblem } from '../../src/api/problem';

const token = Buffer.from(
  '{"CloseTime":"0001-01-01T00:00:00Z","StartTime":"2026-12-01T10:00:00Z","RunID":"r1"}',
);
const query = `WorkflowType = 'supportCase' AND CaseStatus = 'triaged'`;

function refusal(run: () => unknown): HttpProblem {
  try {
    run();
  } catch (err) {
    if (err instanceof HttpProblem) return err;
    throw err;
  }
  throw new Error('the cursor was accepted');
}

describe('page cursors', () => {
  it("hand back Temporal's page token for the list and query they were made for", () => {
    const cursor = encodeCursor('cases', query, token);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('cases', query, cursor).equals(token)).toBe(true);
  });

  it('are refused (400 naming the cursor) for another list, other filters, or a changed token', () => {
    const cursor = encodeCursor('cases', query, token);
    for (const run of [
      () => decodeCursor('elevations', query, cursor),
      () => decodeCursor('cases', `${query} AND CaseSeverity = 'A'`, cursor),
      () => decodeCursor('cases', query, `${cursor.slice(0, -2)}AA`),
    ]) {
      const problem = refusal(run);
      expect(problem.status).toBe(400);
      expect(problem.extra.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
    }
  });

  it('are refused when malformed: too short, another version, or a bare Temporal token', () => {
    for (const cursor of ['0', 'AAAA', 'A', Buffer.from(token).toString('base64url')]) {
      expect(refusal(() => decodeCursor('cases', query, cursor)).status).toBe(400);
    }
    const other = Buffer.from(encodeCursor('cases', query, token), 'base64url');
    other[0] = 2;
    expect(refusal(() => decodeCursor('cases', query, other.toString('base64url'))).status).toBe(400);
  });
});
