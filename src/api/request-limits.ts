import type { RequestHandler } from 'express';
import { unsafeCharacter } from '../domain/text';
import { type FieldIssue, problems } from './problem';

/**
 * Limits on the shape of a request, checked before any route runs: what no legitimate client of
 * this API sends, and what would make later code slow or fragile (recursion over deep JSON, huge
 * query strings turned into visibility queries, control characters that corrupt logs and
 * screens). Each refusal is a problem document naming the limit.
 */
export const REQUEST_LIMITS = {
  /** The whole request target, path and query. */
  maxUrlBytes: 4_096,
  /** One path segment; ids here are at most a few dozen characters. */
  maxSegmentBytes: 256,
  maxQueryBytes: 2_048,
  /** Objects and arrays inside one another; the deepest real body nests 3. */
  maxJsonDepth: 20,
} as const;

/** 414 for a request target, path segment or query string longer than any real one. */
export const limitRequestTarget: RequestHandler = (req, _res, next) => {
  const target = req.originalUrl;
  if (Buffer.byteLength(target) > REQUEST_LIMITS.maxUrlBytes) {
    throw problems.uriTooLong(`The request target exceeds ${REQUEST_LIMITS.maxUrlBytes} bytes.`);
  }
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  if (queryAt !== -1 && Buffer.byteLength(target) - queryAt - 1 > REQUEST_LIMITS.maxQueryBytes) {
    throw problems.uriTooLong(`The query string exceeds ${REQUEST_LIMITS.maxQueryBytes} bytes.`);
  }
  if (path.split('/').some((segment) => Buffer.byteLength(segment) > REQUEST_LIMITS.maxSegmentBytes)) {
    throw problems.uriTooLong(`A path segment exceeds ${REQUEST_LIMITS.maxSegmentBytes} bytes.`);
  }
  next();
};

const decoded = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
};

/**
 * Why a request target cannot be read, or undefined when it can: percent-encoding that is broken
 * (`%ZZ`, a cut-off `%E0%A4%A`) or decodes to bytes that are not UTF-8 (overlong forms such as
 * `%C0%AE` included); dot segments (`.`, `..`, written out or encoded), which make a path mean
 * another one to whatever normalises it; and path segments that decode to a slash or backslash or
 * to a character no text field accepts (see domain/text). No id of this service contains any of
 * them, so a target carrying one is refused before routing instead of failing inside it.
 */
export function unreadableTarget(target: string): string | undefined {
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  for (const raw of path.split('/')) {
    const segment = decoded(raw);
    if (segment === undefined) return 'A path segment is not valid percent-encoded UTF-8.';
    if (segment === '.' || segment === '..') return 'The path has a dot segment ("." or "..").';
    if (/[/\\]/.test(segment)) return 'A path segment contains an encoded slash or backslash.';
    const why = unsafeCharacter(segment);
    if (why) return `A path segment contains ${why}.`;
  }
  if (queryAt !== -1) {
    for (const part of target.slice(queryAt + 1).split(/[&=]/)) {
      if (decoded(part.replace(/\+/g, ' ')) === undefined)
        return 'The query string is not valid percent-encoded UTF-8.';
    }
  }
  return undefined;
}

/** 400 for a request target unreadableTarget refuses. */
export const refuseUnreadableTarget: RequestHandler = (req, _res, next) => {
  const why = unreadableTarget(req.originalUrl);
  if (why) throw problems.badRequest(why);
  next();
};

/**
 * Why a parsed JSON value (or query object) is refused: nested deeper than the limit, or a
 * string or key carrying a character no text field accepts (see domain/text). Iterative, so
 * the check itself cannot be driven into a stack overflow by the input it guards against.
 */
export function jsonIssues(value: unknown, root: string): FieldIssue[] {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  const issues: FieldIssue[] = [];
  while (stack.length > 0 && issues.length < 10) {
    const { value: v, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof v === 'string') {
      const why = unsafeCharacter(v);
      if (why) issues.push({ path, message: `contains ${why}`, code: 'unsafe_character' });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= REQUEST_LIMITS.maxJsonDepth) {
      return [
        {
          path,
          message: `nested deeper than ${REQUEST_LIMITS.maxJsonDepth} levels`,
          code: 'too_deep',
        },
      ];
    }
    for (const [key, child] of Object.entries(v)) {
      const childPath = `${path}.${key}`;
      const why = unsafeCharacter(key);
      if (why)
        issues.push({ path: childPath, message: `its name contains ${why}`, code: 'unsafe_character' });
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return issues;
}

/** Refuses a parsed body or query that jsonIssues finds fault with: 400 with the issues. */
export function assertSafeJson(value: unknown, root: 'body' | 'query'): void {
  const issues = jsonIssues(value, root);
  if (issues.length > 0) {
    throw problems.validation(
      issues,
      'The request carries characters or nesting no field accepts; see errors.',
    );
  }
}

/** After body parsing: the body and the query pass assertSafeJson. */
export const refuseUnsafeInput: RequestHandler = (req, _res, next) => {
  if (req.body !== undefined) assertSafeJson(req.body, 'body');
  assertSafeJson(req.query, 'query');
  next();
};
