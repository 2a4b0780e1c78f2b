/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import { randomUUID } from 'node:crypto';
import type { Request, Router } from 'express';
import { IN_APP_INBOX, IN_APP_TARGET } from '../../activities/escalation-delivery';
import { deliverCallback, escalationHandle } from '../../api/escalations';
import { problems } from '../../api/problem';
import { parseRequestPart } from '../../api/validation';
import { CALLBACK_KINDS } from '../../domain/callbacks';
import { callbackSchema } from '../../schemas/callbacks-schema';
import type { EscalationView } from '../../domain/escalation';
import type { Principal } from '../../domain/roles';
import { getEscalation } from '../../workflows/escalation.messages';
import { listEscalations, oldestFirst } from '../escalation-list';
import { fieldText } from '../forms';
import { statusText } from '../i18n';
import { Fragment, h, type Html } from '../jsx';
import { act, type PortalOptions, sendFragment, sendPage, viewOf } from '../portal';
import { binder, Csrf, Done, Field, type FormOutcome, Layout, Outcome, type View } from '../view';
import { clocks, escalationIdOf } from './escalations';

void Fragment;

/** The service's operations team answers here what a configured target would answer by signed callback. */
function needServiceOps(req: Request): Principal {
  const principal = req.principal;
  if (!principal) throw problems.unauthenticated('Sign in first.');
  if (!principal.roles.includes('service-ops'))
    throw problems.forbidden('This inbox is for the service-ops role.');
  return principal;
}

const inApp = (e: EscalationView) => e.target === IN_APP_TARGET && e.delivery?.to === IN_APP_INBOX;

function Respond({
  v,
  e,
  outcome,
  form,
}: {
  v: View;
  e: EscalationView;
  outcome?: FormOutcome;
  form?: Record<string, unknown>;
}): Html {
  if (!inApp(e)) return <p class="hint">{v.t('inbox.external')}</p>;
  // Every inbox item has a form named respond: the outcome is this one's only if it was for it.
  const mine = outcome && fieldText(form, '_for') === e.id;
  const bind = binder('respond', mine ? outcome : undefined, form);
  return (
    <form method="post" action={`/portal/service-ops/${e.id}`}>
      <Outcome v={v} outcome={mine ? outcome : undefined} form="respond" />
      <Csrf v={v} />
      <input type="hidden" name="_for" value={e.id} />
      <Field
        id={`kind-${e.id}`}
        {...bind('kind', e.status === 'filed' ? 'acknowledged' : 'update')}
        type="select"
        label={v.t('inbox.kind')}
        options={CALLBACK_KINDS.map((k) => [k, v.t(`inbox.${k}`)] as const)}
      />
      <Field
        id={`message-${e.id}`}
        {...bind('message')}
        type="textarea"
        label={v.t('field.message')}
        required
      />
      <button type="submit">{v.t('inbox.send')}</button>
    </form>
  );
}

async function inboxPage(
  req: Request,
  o: PortalOptions,
  outcome?: FormOutcome,
  form?: Record<string, unknown>,
): Promise<Html> {
  const v = viewOf(req, o);
  const items = (await listEscalations(o.client, { openOnly: true, limit: 100 }))
    .filter((e) => e.target === IN_APP_TARGET && (e.status === 'filed' || e.status === 'acknowledged'))
    .sort(oldestFirst);
  const done =
    typeof req.query.done === 'string' && (CALLBACK_KINDS as readonly string[]).includes(req.query.done)
      ? req.query.done
      : undefined;
  return (
    <Layout v={v} title={v.t('nav.serviceOps')}>
      <Done v={v} done={done} />
      <p>
        {v.t('inbox.intro')} <InboxCount v={v} count={items.length} />
      </p>
      {items.length === 0 ? <p>{v.t('none')}</p> : null}
      {items.map((e) => (
        <article aria-labelledby={`h-${e.id}`} class="inbox-item">
          <h2 id={`h-${e.id}`}>
            <a href={`/portal/escalations/${e.id}`}>{e.title}</a>
          </h2>
          <dl class="facts">
            <dt>{v.t('col.severity')}</dt>
            <dd>{e.severity}</dd>
            <dt>{v.t('col.status')}</dt>
            <dd>{statusText(v.t, e.status)}</dd>
            <dt>{v.t('field.requestType')}</dt>
            <dd>{e.requestType}</dd>
            <dt>{v.t('field.area')}</dt>
            <dd>
              {e.category} / {e.subCategory}
            </dd>
            <dt>{v.t('escalation.filedBy')}</dt>
            <dd>
              {e.filedBy} ({e.contact})
            </dd>
            <dt>{v.t('escalation.clocks')}</dt>
            <dd>{clocks(v, e)}</dd>
          </dl>
          <Respond v={v} e={e} outcome={outcome} form={form} />
        </article>
      ))}
    </Layout>
  );
}

function InboxCount({ v, count }: { v: View; count: number }): Html {
  return (
    <span
      id="inbox-count"
      role="status"
      hx-get="/portal/service-ops/count"
      hx-trigger="every 20s"
      hx-swap="outerHTML"
    >
      {v.t('inbox.open', { count })}
    </span>
  );
}

export function serviceOpsPages(router: Router, o: PortalOptions): void {
  router.get('/portal/service-ops', async (req, res) => {
    needServiceOps(req);
    sendPage(res, await inboxPage(req, o));
  });

  router.get('/portal/service-ops/count', async (req, res) => {
    needServiceOps(req);
    const items = (await listEscalations(o.client, { openOnly: true, limit: 100 })).filter(
      (e) => e.target === IN_APP_TARGET && (e.status === 'filed' || e.status === 'acknowledged'),
    );
    sendFragment(res, <InboxCount v={viewOf(req, o)} count={items.length} />);
  });

  router.post('/portal/service-ops/:id', async (req, res) => {
    const actor = needServiceOps(req);
    const id = escalationIdOf(req);
    const form = req.body as Record<string, unknown>;
    await act(
      req,
      res,
      'respond',
      async () => {
        const view = await escalationHandle(o.escalations, id).query(getEscalation);
        if (!inApp(view)) {
          throw problems.conflict(
            'This escalation went to a configured endpoint; it is answered there, by signed callback.',
          );
        }
        // The same callback a signed party sends, recorded with the signed-in member as its actor.
        const callback = parseRequestPart(
          callbackSchema,
          {
            callbackId: `inbox-${randomUUID()}`,
            kind: form.kind,
            message: (fieldText(form, 'message') ?? '').trim(),
          },
          'body',
        );
        await deliverCallback(o.escalations, IN_APP_TARGET, id, { ...callback, actor: actor.principal });
        o.log.info('service-ops inbox answer', {
          escalationId: id,
          kind: callback.kind,
          principal: actor.principal,
        });
        return `/portal/service-ops?done=${callback.kind}`;
      },
      (outcome) => inboxPage(req, o, outcome, form),
    );
  });
}
