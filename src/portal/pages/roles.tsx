/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import type { Router } from 'express';
import { type Role, ROLES } from '../../domain/roles';
import { Fragment, h } from '../jsx';
import { type PortalOptions, sendPage, viewOf } from '../portal';
import { Layout } from '../view';

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
        <table id="responsibilities">
          <caption>{v.t('roles.responsibilities')}</caption>
          <thead>
            <tr>
              <th scope="col">{v.t('roles.party')}</th>
              <th scope="col">{v.t('roles.does')}</th>
            </tr>
          </thead>
          <tbody>
            {PARTIES.map((p) => (
              <tr>
                <th scope="row">{v.t(`roles.party.${p}`)}</th>
                <td>{v.t(`roles.does.${p}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table id="holders">
          <caption>{v.t('roles.holders')}</caption>
          <thead>
            <tr>
              <th scope="col">{v.t('roles.role')}</th>
              <th scope="col">{v.t('roles.may')}</th>
              <th scope="col">{v.t('roles.who')}</th>
            </tr>
          </thead>
          <tbody>
            {ROLES.map((role) => (
              <tr>
                <th scope="row">{v.t(`role.${role}`)}</th>
                <td>{v.t(`roles.may.${role}`)}</td>
                <td>
                  {[...holders(role), ...groups(role).map((g) => `${v.t('roles.group')} “${g}”`)].join(
                    ', ',
                  ) || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Layout>,
    );
  });
}
