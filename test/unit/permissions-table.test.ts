import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLES } from '../../src/domain/roles';

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
    const expected = Object.fromEntries(
      Object.entries(PERMISSIONS).map(([p, roles]) => [
        p,
        ROLES.filter((r) => (roles as readonly string[]).includes(r)),
      ]),
    );
    expect(table).toEqual(expected);
  });
});
