import { describe, expect, it } from 'vitest';
import { formToJson } from '../../src/portal/forms';
import { negotiateLang, statusText, translator } from '../../src/portal/i18n';
import { Fragment, h, renderDocument } from '../../src/portal/jsx';
import { rolesFromGroups, principalFrom } from '../../src/portal/oidc';
import type { Request } from 'express';
import { onLoopback, Sealer } from '../../src/portal/session';
import { slaBadge } from '../../src/portal/sla-badge';
import { caseIntakeSchema } from '../../src/schemas/case-schema';
import type { Role } from '../../src/domain/roles';

describe('the JSX runtime', () => {
  it('escapes text and attribute values, so case text never becomes markup', () => {
    const evil = '"><script>alert(1)</script>&';
    const html = h('p', { title: evil, class: 'x' }, evil, h('b', null, 'ok')).value;
    expect(html).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;" class="x">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;<b>ok</b></p>',
    );
    expect(html).not.toContain('<script>');
  });

  it('renders booleans as bare attributes, drops false and null, and closes no void element', () => {
    expect(h('input', { required: true, disabled: false, value: null, name: 'a' }).value).toBe(
      '<input required name="a">',
    );
    expect(renderDocument(h(Fragment, null, h('br', null), 'x'))).toBe('<!doctype html>\n<br>x');
  });

  it('refuses attribute names that could break out of the tag', () => {
    expect(() => h('p', { 'onclick="x"': 1 })).toThrow(/attribute name/);
  });
});

describe('forms to API bodies', () => {
  it('builds the nested JSON the API schema takes, with its own error paths', () => {
    const json = formToJson(
      {
        _csrf: 'token',
        title: 'Skrivaren',
        description: 'Skriver inte ut',
        'requester.id': 'u-1',
        'requester.name': 'Anna',
        'requester.contact': '',
        'device.serial': 'PF3XK9Z',
        'device.group': 'broad',
        externalTicketId: '',
      },
      { checkboxes: ['twentyFourSeven'] },
    );
    expect(json).toEqual({
      title: 'Skrivaren',
      description: 'Skriver inte ut',
      requester: { id: 'u-1', name: 'Anna' },
      device: { serial: 'PF3XK9Z', group: 'broad' },
      twentyFourSeven: false,
    });
    const result = caseIntakeSchema.safeParse(json);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['requester.contact']);
  });

  it('converts checkboxes, booleans, numbers, nulls and arrays, and ignores prototype keys', () => {
    expect(
      formToJson(
        { a: 'on', b: 'false', n: '30', s: '', list: 'x', '__proto__.polluted': 'yes' },
        {
          checkboxes: ['a', 'missing'],
          booleans: ['b'],
          numbers: ['n'],
          nullable: ['s'],
          arrays: ['list', 'none'],
        },
      ),
    ).toEqual({ a: true, missing: false, b: false, n: 30, s: null, list: ['x'], none: [] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('languages', () => {
  it('takes the cookie first, then the browser’s preference, else English', () => {
    expect(negotiateLang('sv', 'en-GB')).toBe('sv');
    expect(negotiateLang(undefined, 'de;q=1, sv-SE;q=0.8, en;q=0.5')).toBe('sv');
    expect(negotiateLang(undefined, 'de, fr')).toBe('en');
    expect(negotiateLang('xx', undefined)).toBe('en');
  });

  it('names statuses in words, and shows one it has no words for as it is', () => {
    expect(statusText(translator('sv'), 'waiting-on-requester')).toBe('Väntar på beställaren');
    expect(statusText(translator('en'), 'awaiting-approval')).toBe('Held for IT admin approval');
    expect(statusText(translator('sv'), 'grant-failed')).toBe('Beviljandet misslyckades');
    expect(statusText(translator('sv'), 'on-hold')).toBe('on-hold');
    expect(statusText(translator('en'), null)).toBe('—');
  });

  it('speaks Swedish and fills in parameters', () => {
    expect(translator('sv')('sla.left', { time: '5 min' })).toBe('5 min kvar');
    expect(translator('en')('sla.left', { time: '5 min' })).toBe('5 min left');
  });
});

describe('SLA badges', () => {
  const sla = {
    clock: '24x7' as const,
    firstResponseDue: '2026-12-01T10:00:00.000Z',
    firstResponseAt: null,
    nextUpdateDue: null,
    resolutionDue: '2026-12-02T10:00:00.000Z',
    paused: null,
    pausedSeconds: {},
    atRisk: [],
    breaches: [],
  };
  const at = (iso: string) => Date.parse(iso);

  it('is on track with the time to the nearest deadline', () => {
    expect(slaBadge(sla, false, at('2026-12-01T09:00:00.000Z'))).toEqual({
      state: 'on-track',
      leftMs: 3_600_000,
      pausedFor: null,
    });
  });

  it('says at risk, paused with its cause, and breached, in that order of weight', () => {
    const now = at('2026-12-01T09:00:00.000Z');
    expect(slaBadge({ ...sla, atRisk: ['firstResponse'] }, false, now).state).toBe('at-risk');
    expect(slaBadge({ ...sla, paused: 'requester', firstResponseDue: null }, false, now)).toMatchObject({
      state: 'paused',
      pausedFor: 'requester',
    });
    expect(slaBadge(sla, false, at('2026-12-01T11:00:00.000Z')).state).toBe('breached');
    expect(
      slaBadge(
        { ...sla, breaches: [{ target: 'firstResponse', severity: 'A', dueAt: '', breachedAt: '' }] },
        true,
        now,
      ).state,
    ).toBe('breached');
    expect(slaBadge(sla, true, now).state).toBe('none');
  });
});

describe('session cookies', () => {
  const request = (localAddress: string, host: string) =>
    ({
      socket: { localAddress },
      get: (name: string) => (name === 'host' ? host : undefined),
    }) as unknown as Request;

  it('are Secure unless both the socket and the Host are loopback (a proxy on this host keeps them Secure)', () => {
    expect(onLoopback(request('127.0.0.1', '127.0.0.1:3000'))).toBe(true);
    expect(onLoopback(request('::1', 'localhost:3000'))).toBe(true);
    expect(onLoopback(request('127.0.0.1', 'caseflow.example.org'))).toBe(false);
    expect(onLoopback(request('10.0.0.5', '127.0.0.1:3000'))).toBe(false);
  });

  it('open only with the key and purpose they were sealed with', () => {
    const sealer = new Sealer(Buffer.alloc(32, 7));
    const sealed = sealer.seal({ principal: 'alice' }, 'session');
    expect(sealer.open(sealed, 'session')).toEqual({ principal: 'alice' });
    expect(sealer.open(sealed, 'oidc')).toBeUndefined();
    expect(new Sealer(Buffer.alloc(32, 8)).open(sealed, 'session')).toBeUndefined();
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    expect(sealer.open(tampered, 'session')).toBeUndefined();
  });
});

describe('OpenID Connect claims', () => {
  const mapping = {
    'Modern Workplace Roles-Support Partner': ['agent', 'escalation-team'],
    'IT Admins': ['it-admin'],
  } satisfies Record<string, Role[]>;

  it('maps groups to roles and grants nothing for unknown groups', () => {
    expect(rolesFromGroups(['Modern Workplace Roles-Support Partner', 'Other'], { ...mapping })).toEqual([
      'agent',
      'escalation-team',
    ]);
    expect(rolesFromGroups(['Other'], { ...mapping })).toEqual([]);
  });

  it('takes a principal only from a claim safe to record as an actor', () => {
    expect(principalFrom({ preferred_username: 'anna@example.org', sub: 'x1' }, 'preferred_username')).toBe(
      'anna@example.org',
    );
    expect(principalFrom({ preferred_username: 'Anna Berg', sub: 'abc123' }, 'preferred_username')).toBe(
      'abc123',
    );
    // Never a name the system records as its own actor.
    expect(principalFrom({ preferred_username: 'CaseFlow', sub: 'abc123' }, 'preferred_username')).toBe(
      'abc123',
    );
    expect(() =>
      principalFrom({ preferred_username: 'vendor', sub: 'system' }, 'preferred_username'),
    ).toThrow('no usable user name');
  });
});
