/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import type { Router } from 'express';
import { type Role, ROLES } from '../../domain/roles';
import { Fragment, h } from '../jsx';
import { type PortalOptions, sendPage, viewOf } from '../portal';
import { DataTable, Layout } from '../view';

void Fragment;

const PARTIES = ['provider', 'admin', 'service'] as const;

export function rolesPages(router: Router, o: PortalOptions): void {
  router.get('/portal/roles', (req, res) => {
    const v = viewOf(req, o);
    const holders = (role: Role) =>
      o.keys.filter((k) => (k.roles as readonly string[]).includes(role)).map((k) => k.principal);
    const groups = (role: Role) =>
      Object.entries(o.groupRoles)
        .filter(([, roles]) => roles.includes(role))
        .map(([group]) => group);
    sendPage(
      res,
      <Layout v={v} title={v.t('nav.roles')}>
        <p>{v.t('roles.model', { model: v.t(`roles.${o.supportModel}`), provider: o.providerName })}</p>
        <DataTable
          id="responsibilities"
          caption={v.t('roles.responsibilities')}
          rows={PARTIES}
          columns={[
            { label: v.t('roles.party'), rowHeader: true, cell: (p) => v.t(`roles.party.${p}`) },
            { label: v.t('roles.does'), cell: (p) => v.t(`roles.does.${p}`) },
          ]}
        />
        <DataTable
          id="holders"
          caption={v.t('roles.holders')}
          rows={ROLES}
          columns={[
            { label: v.t('roles.role'), rowHeader: true, cell: (role) => v.t(`role.${role}`) },
            { label: v.t('roles.may'), cell: (role) => v.t(`roles.may.${role}`) },
            {
              label: v.t('roles.who'),
              cell: (role) =>
                [...holders(role), ...groups(role).map((g) => `${v.t('roles.group')} “${g}”`)].join(', ') ||
                '—',
            },
          ]}
        />
      </Layout>,
    );
  });
}
