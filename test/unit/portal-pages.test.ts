import { describe, expect, it } from 'vitest';
import { formatter } from '../../src/portal/format';
import { translator } from '../../src/portal/i18n';
import { signInPage } from '../../src/portal/pages/sign-in';
import type { View } from '../../src/portal/view';

const view = (lang: 'en' | 'sv'): View => ({
  lang,
  t: translator(lang),
  fmt: formatter(lang, 'Europe/Stockholm'),
  nowMs: Date.parse('2026-12-01T08:00:00Z'),
  principal: undefined,
  csrf: 'csrf-token',
  path: '/portal/sign-in',
  devSignIn: true,
  oidc: false,
});

describe('portal pages', () => {
  it('render as escaped HTML in the reader’s language, with the CSRF token in every form', () => {
    const en = signInPage(view('en'), { next: '/portal/cases?x="<b>' }).value;
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('value="/portal/cases?x=&quot;&lt;b&gt;"');
    expect(en.match(/<form /g)?.length).toBe(en.match(/name="_csrf" value="csrf-token"/g)?.length);
    const sv = signInPage(view('sv'), { next: '/portal' }).value;
    expect(sv).toContain('<html lang="sv">');
    expect(sv).toContain('Logga in');
    expect(sv).not.toContain('<script>');
  });
});
