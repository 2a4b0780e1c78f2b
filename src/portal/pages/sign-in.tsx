/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import { Fragment, h, type Html } from '../jsx';
import { Csrf, Layout, type View } from '../view';

void Fragment;

export function signInPage(
  v: View,
  o: { next: string; expired?: boolean; signedOut?: boolean; refused?: boolean; noRoles?: boolean },
): Html {
  return (
    <Layout v={v} title={v.t('signIn.title')}>
      {o.expired ? <p role="status">{v.t('signIn.expired')}</p> : null}
      {o.signedOut ? <p role="status">{v.t('signIn.signedOut')}</p> : null}
      {o.refused ? (
        <p class="problem" role="alert">
          {v.t('signIn.refused')}
        </p>
      ) : null}
      {o.noRoles ? (
        <p class="problem" role="alert">
          {v.t('signIn.noRoles')}
        </p>
      ) : null}
      {v.oidc ? (
        <p>
          <a href={`/portal/auth/oidc?next=${encodeURIComponent(o.next)}`} class="button">
            {v.t('signIn.oidc')}
          </a>
        </p>
      ) : null}
      {v.devSignIn ? (
        <>
          <p>{v.t('signIn.devHelp')}</p>
          <form method="post" action="/portal/sign-in">
            <Csrf v={v} />
            <input type="hidden" name="next" value={o.next} />
            <div class="field">
              <label for="token">{v.t('signIn.token')}</label>
              <input id="token" name="token" type="password" autocomplete="off" required />
            </div>
            <button type="submit">{v.t('signIn.submit')}</button>
          </form>
        </>
      ) : null}
    </Layout>
  );
}
