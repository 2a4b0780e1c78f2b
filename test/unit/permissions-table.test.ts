import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateAnswer } from '../../src/api/route-access';
import { type Permission, PERMISSIONS, ROLES } from '../../src/domain/roles';

/** The README's "Who may do what" table is the permission map, row for row. */
describe('the authorisation table in the README', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('## Who may do what');
  // The role gate's table: up to the section's first sub-heading (the per-case table) or its end.
  const section = readme.slice(start, readme.slice(start + 3).search(/\n##/) + start + 3);
  const lines = section.split('\n').filter((l) => l.startsWith('| '));
  const [header, , ...rows] = lines;
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());

  it('has a column per role', () => {
    expect(cells(header ?? '').slice(1)).toEqual([...ROLES]);
  });

  it('has a row per permission, marking exactly the roles that hold it', () => {
    const table = Object.fromEntries(
      rows.map((row) => {
        const [permission = '', ...marks] = cells(row);
        return [permission.replace(/`/g, ''), ROLES.filter((_, i) => marks[i] === 'yes')];
      }),
    );
    // The role gate itself says who passes (the route matrix test derives its statuses from it too).
    const expected = Object.fromEntries(
      Object.keys(PERMISSIONS).map((p) => [
        p,
        ROLES.filter((r) => gateAnswer([r], p as Permission) === 'passes'),
      ]),
    );
    expect(table).toEqual(expected);
  });
});
