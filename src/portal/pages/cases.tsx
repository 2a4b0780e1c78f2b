/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import { randomUUID } from 'node:crypto';
import type { Request, Router } from 'express';
import { z } from 'zod';
import { requireCaseAction, visibleCase } from '../../api/case-access';
import { CASE_ACTIONS, type CaseAction, caseIdForKey } from '../../api/cases';
import { fingerprint } from '../../api/case-gateway';
import { problems } from '../../api/problem';
import { parseRequestPart } from '../../api/validation';
import { CASE_STATUSES, CHANNELS, type CaseView, isClosed, TIERS } from '../../domain/case';
import { caseIntakeSchema } from '../../schemas/case-schema';
import { CATEGORIES, SEVERITIES } from '../../domain/categories';
import { caseListScope } from '../../domain/case-access';
import { caseListFiltersSchema } from '../../temporal/case-list-query';
import { type FormShape, formToJson } from '../forms';
import { type MessageKey, statusText } from '../i18n';
import { type Child, Fragment, h, type Html } from '../jsx';
import { act, need, type PortalOptions, sendFragment, sendPage, viewOf } from '../portal';
import { slaBadge } from '../sla-badge';
import {
  binder,
  can,
  Checkbox,
  choices,
  Csrf,
  DataTable,
  Done,
  Field,
  type FormOutcome,
  Layout,
  LogTable,
  Outcome,
  PostForm,
  SlaBadgeView,
  TitleAndDescription,
  until,
  type View,
} from '../view';

void Fragment;

const caseId = z.object({ id: z.uuid({ message: 'a case id is a UUID' }) });
const idOf = (req: Request) => parseRequestPart(caseId, req.params, 'params').id;

/** How each case action's form maps onto its API body. */
const ACTION_SHAPES: Record<string, FormShape> = {
  category: { nullable: ['subCategory'] },
  notes: { checkboxes: ['visibleToRequester'] },
  confirm: { booleans: ['accepted'], nullable: ['comment'] },
};
const INTAKE_SHAPE: FormShape = { checkboxes: ['twentyFourSeven'] };
/** How long opening a case in the portal waits for its classification before showing the case. */
const PORTAL_CLASSIFY_WAIT_SECONDS = 5;

const withAny = (v: View, values: readonly string[]) => [
  ['', v.t('filter.any')] as const,
  ...choices(values),
];

function ActionForm({
  v,
  c,
  path,
  legend,
  outcome,
  children,
}: {
  v: View;
  c: CaseView;
  path: string;
  legend: string;
  outcome?: FormOutcome;
  children?: Child;
}): Html {
  return (
    <PostForm
      v={v}
      action={`/portal/cases/${c.id}/a/${path}`}
      id={`form-${path}`}
      legend={legend}
      form={path}
      outcome={outcome}
    >
      {children}
    </PostForm>
  );
}

function CaseActions({
  v,
  c,
  outcome,
  form,
}: {
  v: View;
  c: CaseView;
  outcome?: FormOutcome;
  form?: Record<string, unknown>;
}): Html {
  if (!can(v, 'case:work') || isClosed(c.status)) return <></>;
  /** A field of the action form `path`, filled in again after that form was refused. */
  const bind = (path: string, name: string, fallback?: string) => binder(path, outcome, form)(name, fallback);
  const Reason = ({ path }: { path: string }) => (
    <Field id={`${path}-reason`} {...bind(path, 'reason')} label={v.t('field.reason')} required />
  );
  const Text = ({ path, id, name, label }: { path: string; id: string; name: string; label: MessageKey }) => (
    <Field id={id} {...bind(path, name)} type="textarea" label={v.t(label)} required />
  );
  const resolved = c.status === 'resolved';
  return (
    <section aria-labelledby="actions-h">
      <h2 id="actions-h">{v.t('case.actions')}</h2>
      <div class="grid">
        {resolved ? (
          <>
            <ActionForm v={v} c={c} path="confirm" legend={v.t('action.confirm')} outcome={outcome}>
              <Field
                id="confirm-accepted"
                {...bind('confirm', 'accepted', 'true')}
                type="select"
                label={v.t('field.accepted')}
                options={[
                  ['true', v.t('confirm.accepted')],
                  ['false', v.t('confirm.rejected')],
                ]}
              />
              <Field
                id="confirm-comment"
                {...bind('confirm', 'comment')}
                type="textarea"
                label={v.t('field.comment')}
              />
            </ActionForm>
            <ActionForm v={v} c={c} path="reopen" legend={v.t('action.reopen')} outcome={outcome}>
              <Reason path="reopen" />
            </ActionForm>
          </>
        ) : (
          <>
            <ActionForm v={v} c={c} path="assign" legend={v.t('action.assign')} outcome={outcome}>
              <Field
                id="assign-tier"
                {...bind('assign', 'tier', c.tier)}
                type="select"
                label={v.t('field.tier')}
                options={choices(TIERS)}
              />
              <Field
                id="assign-assignee"
                {...bind('assign', 'assignee', v.principal?.principal)}
                label={v.t('field.assignee')}
                required
              />
              <Reason path="assign" />
            </ActionForm>
            <ActionForm v={v} c={c} path="severity" legend={v.t('action.severity')} outcome={outcome}>
              <Field
                id="severity-severity"
                {...bind('severity', 'severity', c.severity)}
                type="select"
                label={v.t('field.severity')}
                options={choices(SEVERITIES)}
              />
              <Reason path="severity" />
            </ActionForm>
            <ActionForm v={v} c={c} path="category" legend={v.t('action.category')} outcome={outcome}>
              <Field
                id="category-category"
                {...bind('category', 'category', c.category)}
                type="select"
                label={v.t('field.category')}
                options={choices(CATEGORIES)}
              />
              <Field
                id="category-sub"
                {...bind('category', 'subCategory', c.subCategory ?? '')}
                label={v.t('field.subCategory')}
              />
              <Reason path="category" />
            </ActionForm>
            <ActionForm v={v} c={c} path="request-info" legend={v.t('action.requestInfo')} outcome={outcome}>
              <Text path="request-info" id="ri-question" name="question" label="field.question" />
            </ActionForm>
            <ActionForm
              v={v}
              c={c}
              path="requester-reply"
              legend={v.t('action.requesterReply')}
              outcome={outcome}
            >
              <Text path="requester-reply" id="rr-message" name="message" label="field.message" />
            </ActionForm>
            <ActionForm v={v} c={c} path="resolve" legend={v.t('action.resolve')} outcome={outcome}>
              <Text path="resolve" id="resolve-resolution" name="resolution" label="field.resolution" />
            </ActionForm>
          </>
        )}
        <ActionForm v={v} c={c} path="notes" legend={v.t('action.note')} outcome={outcome}>
          <Text path="notes" id="note-text" name="text" label="field.note" />
          <Checkbox id="note-visible" name="visibleToRequester" label={v.t('field.visibleToRequester')} />
        </ActionForm>
      </div>
      <p>
        {can(v, 'elevation:request') ? (
          <a href={`/portal/elevations/new?case=${c.id}`}>{v.t('case.requestElevation')}</a>
        ) : null}{' '}
        {can(v, 'escalation:file') ? (
          <a href={`/portal/escalations/new?case=${c.id}`}>{v.t('case.escalate')}</a>
        ) : null}
      </p>
    </section>
  );
}

export function SlaPanel({ v, c }: { v: View; c: CaseView }): Html {
  const badge = slaBadge(c.sla, isClosed(c.status), v.nowMs);
  return (
    <section
      id="sla"
      aria-labelledby="sla-h"
      hx-get={`/portal/cases/${c.id}/sla`}
      hx-trigger="every 15s"
      hx-swap="outerHTML"
    >
      <h2 id="sla-h">
        {v.t('sla.title')} <SlaBadgeView v={v} badge={badge} />
      </h2>
      <dl class="facts">
        <dt>{v.t('sla.clock')}</dt>
        <dd>{c.sla.clock}</dd>
        <dt>{v.t('sla.firstResponse')}</dt>
        <dd>
          {c.sla.firstResponseAt
            ? `${v.t('sla.met')} ${v.fmt.dateTime(c.sla.firstResponseAt)}`
            : `${v.fmt.dateTime(c.sla.firstResponseDue)} (${until(v, c.sla.firstResponseDue)})`}
        </dd>
        <dt>{v.t('sla.nextUpdate')}</dt>
        <dd>
          {c.sla.nextUpdateDue
            ? `${v.fmt.dateTime(c.sla.nextUpdateDue)} (${until(v, c.sla.nextUpdateDue)})`
            : '—'}
        </dd>
        <dt>{v.t('sla.resolution')}</dt>
        <dd>
          {c.sla.resolutionDue
            ? `${v.fmt.dateTime(c.sla.resolutionDue)} (${until(v, c.sla.resolutionDue)})`
            : '—'}
        </dd>
        <dt>{v.t('sla.paused')}</dt>
        <dd>{c.sla.paused ?? v.t('no')}</dd>
        <dt>{v.t('sla.breaches')}</dt>
        <dd>
          {c.sla.breaches.length
            ? c.sla.breaches.map((b) => `${b.target} (${v.fmt.dateTime(b.breachedAt)})`).join(', ')
            : v.t('none')}
        </dd>
      </dl>
    </section>
  );
}

function casePage(
  v: View,
  c: CaseView,
  outcome?: FormOutcome,
  form?: Record<string, unknown>,
  done?: string,
): Html {
  return (
    <Layout v={v} title={`${c.title}`}>
      <Done v={v} done={done} />
      <div class="grid">
        <section aria-labelledby="facts-h">
          <h2 id="facts-h">{v.t('case.facts')}</h2>
          <dl class="facts">
            <dt>{v.t('col.id')}</dt>
            <dd>{c.id}</dd>
            <dt>{v.t('col.status')}</dt>
            <dd>{statusText(v.t, c.status)}</dd>
            <dt>{v.t('col.severity')}</dt>
            <dd>
              {c.severity}
              {c.twentyFourSeven ? ' (24x7)' : ''}
            </dd>
            <dt>{v.t('col.category')}</dt>
            <dd>
              {c.category}
              {c.subCategory ? ` / ${c.subCategory}` : ''}
            </dd>
            <dt>{v.t('case.classification')}</dt>
            <dd>
              {c.classification
                ? `${v.t('case.confidence')} ${Math.round(c.classification.confidence * 100)} %; ${v.t('case.rules')}: ${c.classification.rules.join(', ') || v.t('none')} (${c.classification.rulesVersion})`
                : '—'}
            </dd>
            <dt>{v.t('case.route')}</dt>
            <dd>
              {c.route.handledBy}
              {c.route.target ? ` → ${c.route.target}` : ''}: {c.route.reason}
            </dd>
            <dt>{v.t('col.tier')}</dt>
            <dd>{c.tier}</dd>
            <dt>{v.t('col.assignee')}</dt>
            <dd>{c.assignee ?? '—'}</dd>
            <dt>{v.t('case.requester')}</dt>
            <dd>
              {c.requester.name} ({c.requester.id}, {c.requester.contact})
            </dd>
            <dt>{v.t('case.device')}</dt>
            <dd>
              {c.device.serial} ({c.device.group}
              {c.device.isTestGroup ? `, ${v.t('case.testGroup')}` : ''})
            </dd>
            <dt>{v.t('case.ticket')}</dt>
            <dd>
              {c.externalTicketId ?? '—'} ({c.channel})
            </dd>
            <dt>{v.t('case.opened')}</dt>
            <dd>
              {v.fmt.dateTime(c.createdAt)} {v.t('by')} {c.createdBy}
            </dd>
          </dl>
          <p>{c.description}</p>
          {c.pendingQuestion ? (
            <p>
              <strong>{v.t('case.pendingQuestion')}</strong> {c.pendingQuestion.question}
            </p>
          ) : null}
          {c.resolution ? (
            <p>
              <strong>{v.t('case.resolution')}</strong> {c.resolution.note} ({c.resolution.by})
            </p>
          ) : null}
        </section>
        <SlaPanel v={v} c={c} />
      </div>
      <CaseActions v={v} c={c} outcome={outcome} form={form} />
      {c.elevations.length > 0 ? (
        <section aria-labelledby="elev-h">
          <h2 id="elev-h">{v.t('nav.elevations')}</h2>
          <ul>
            {c.elevations.map((e) => (
              <li>
                <a href={`/portal/elevations/${e.id}`}>{e.id}</a> {e.requestedBy} {e.outcome ?? ''}
                {e.breakGlass ? ` (${v.t('elevation.breakGlass')})` : ''}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {c.escalations.length > 0 ? (
        <section aria-labelledby="esc-h">
          <h2 id="esc-h">{v.t('nav.escalations')}</h2>
          <ul>
            {c.escalations.map((e) => (
              <li>
                <a href={`/portal/escalations/${e.id}`}>{e.id}</a> {e.target}: {statusText(v.t, e.status)}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <LogTable v={v} entries={[...c.log].reverse()} caption={v.t('case.timeline')} />
    </Layout>
  );
}

function newCasePage(v: View, key: string, outcome?: FormOutcome, form?: Record<string, unknown>): Html {
  const bind = binder('open', outcome, form);
  return (
    <Layout v={v} title={v.t('case.new')}>
      <form method="post" action="/portal/cases">
        <Outcome v={v} outcome={outcome} form="open" />
        <Csrf v={v} />
        <input type="hidden" name="_key" value={key} />
        <TitleAndDescription v={v} prefix="c" bind={bind} />
        <fieldset>
          <legend>{v.t('case.requester')}</legend>
          <Field id="c-req-id" {...bind('requester.id')} label={v.t('field.requesterId')} required />
          <Field id="c-req-name" {...bind('requester.name')} label={v.t('field.name')} required />
          <Field id="c-req-contact" {...bind('requester.contact')} label={v.t('field.contact')} required />
        </fieldset>
        <fieldset>
          <legend>{v.t('case.device')}</legend>
          <Field id="c-dev-serial" {...bind('device.serial')} label={v.t('field.serial')} required />
          <Field id="c-dev-group" {...bind('device.group', 'broad')} label={v.t('field.group')} required />
        </fieldset>
        <Field
          id="c-severity"
          {...bind('severity', 'C')}
          type="select"
          label={v.t('field.severity')}
          options={choices(SEVERITIES)}
        />
        <Checkbox
          id="c-247"
          name="twentyFourSeven"
          label={v.t('field.twentyFourSeven')}
          checked={form?.twentyFourSeven !== undefined}
        />
        <Field
          id="c-channel"
          {...bind('channel', 'phone')}
          type="select"
          label={v.t('field.channel')}
          options={choices(CHANNELS)}
        />
        <Field id="c-ticket" {...bind('externalTicketId')} label={v.t('case.ticket')} />
        <button type="submit">{v.t('case.open')}</button>
      </form>
    </Layout>
  );
}

export function casePages(router: Router, o: PortalOptions): void {
  router.get('/portal/cases', async (req, res) => {
    const principal = need(req, 'case:read');
    const v = viewOf(req, o);
    const raw = Object.fromEntries(
      Object.entries(req.query).filter(
        ([k, x]) => ['status', 'severity', 'assignee', 'breached', 'tier'].includes(k) && x !== '',
      ),
    );
    const filters = parseRequestPart(caseListFiltersSchema, raw, 'query');
    const cursor =
      typeof req.query.cursor === 'string' && /^[A-Za-z0-9_-]{1,4096}$/.test(req.query.cursor)
        ? req.query.cursor
        : undefined;
    const page = await o.cases.list(filters, 25, cursor, caseListScope(principal));
    const live = await Promise.all(page.items.map((item) => o.cases.get(item.id).catch(() => undefined)));
    const f = (name: string) => (typeof req.query[name] === 'string' ? req.query[name] : '');
    sendPage(
      res,
      <Layout v={v} title={v.t('nav.cases')}>
        {can(v, 'case:create') ? (
          <p>
            <a href="/portal/cases/new">{v.t('case.new')}</a>
          </p>
        ) : null}
        <form method="get" action="/portal/cases" class="filters">
          <fieldset>
            <legend>{v.t('filter.title')}</legend>
            <div class="grid">
              <Field
                id="f-status"
                name="status"
                type="select"
                label={v.t('col.status')}
                value={f('status')}
                options={[
                  ['', v.t('filter.any')],
                  ...CASE_STATUSES.map((x) => [x, statusText(v.t, x)] as const),
                ]}
              />
              <Field
                id="f-severity"
                name="severity"
                type="select"
                label={v.t('col.severity')}
                value={f('severity')}
                options={withAny(v, SEVERITIES)}
              />
              <Field
                id="f-tier"
                name="tier"
                type="select"
                label={v.t('col.tier')}
                value={f('tier')}
                options={withAny(v, TIERS)}
              />
              <Field id="f-assignee" name="assignee" label={v.t('col.assignee')} value={f('assignee')} />
              <Field
                id="f-breached"
                name="breached"
                type="select"
                label={v.t('sla.breached')}
                value={f('breached')}
                options={[
                  ['', v.t('filter.any')],
                  ['true', v.t('yes')],
                  ['false', v.t('no')],
                ]}
              />
            </div>
            <button type="submit">{v.t('filter.apply')}</button>
          </fieldset>
        </form>
        <DataTable
          id="queue"
          caption={v.t('case.queue')}
          rows={page.items}
          columns={[
            {
              label: v.t('field.title'),
              cell: (item, i) => <a href={`/portal/cases/${item.id}`}>{live[i]?.title ?? item.id}</a>,
            },
            { label: v.t('col.status'), cell: (item, i) => statusText(v.t, live[i]?.status ?? item.status) },
            { label: v.t('col.severity'), cell: (item, i) => live[i]?.severity ?? item.severity },
            {
              label: v.t('sla.title'),
              cell: (item, i) => {
                const c = live[i];
                if (c) return <SlaBadgeView v={v} badge={slaBadge(c.sla, isClosed(c.status), v.nowMs)} />;
                return item.slaBreached ? v.t('sla.breached') : '—';
              },
            },
            { label: v.t('col.tier'), cell: (item) => item.tier },
            { label: v.t('col.assignee'), cell: (item) => item.assignee ?? '—' },
            { label: v.t('case.opened'), cell: (item) => v.fmt.dateTime(item.createdAt) },
          ]}
        />
        {page.items.length === 0 ? <p>{v.t('none')}</p> : null}
        {page.nextCursor ? (
          <p>
            <a href={`/portal/cases?${new URLSearchParams({ ...raw, cursor: page.nextCursor }).toString()}`}>
              {v.t('next')}
            </a>
          </p>
        ) : null}
      </Layout>,
    );
  });

  router.get('/portal/cases/new', (req, res) => {
    need(req, 'case:create');
    sendPage(res, newCasePage(viewOf(req, o), randomUUID()));
  });

  router.post('/portal/cases', async (req, res) => {
    const actor = need(req, 'case:create');
    const v = viewOf(req, o);
    const form = req.body as Record<string, unknown>;
    const key = typeof form._key === 'string' && /^[0-9a-f-]{36}$/.test(form._key) ? form._key : randomUUID();
    await act(
      req,
      res,
      'open',
      async () => {
        const intake = parseRequestPart(caseIntakeSchema, formToJson(form, INTAKE_SHAPE), 'body');
        // The form's key makes a double submission open one case, as Idempotency-Key does in the API.
        const id = caseIdForKey(actor.principal, `portal:${key}`);
        // A person waits for the page: it opens on the classified case, or on the case as it
        // stands after a few seconds (the case page shows it unclassified until it is).
        // A repeat that cannot be read yet (view null) still goes to its case page, which says so.
        const { view } = await o.cases.open(id, intake, actor.principal, PORTAL_CLASSIFY_WAIT_SECONDS);
        if (view && view.requestFingerprint !== fingerprint(intake)) {
          throw problems.unprocessable('This form was already submitted with other values.');
        }
        return `/portal/cases/${id}`;
      },
      (outcome) => Promise.resolve(newCasePage(v, key, outcome, form)),
    );
  });

  router.get('/portal/cases/:id', async (req, res) => {
    const actor = need(req, 'case:read');
    const v = viewOf(req, o);
    const c = await visibleCase(o.cases, idOf(req), actor);
    const done =
      typeof req.query.done === 'string'
        ? CASE_ACTIONS.find((a) => a.path === req.query.done)?.path
        : undefined;
    sendPage(res, casePage(v, c, undefined, undefined, done));
  });

  router.get('/portal/cases/:id/sla', async (req, res) => {
    const actor = need(req, 'case:read');
    sendFragment(res, <SlaPanel v={viewOf(req, o)} c={await visibleCase(o.cases, idOf(req), actor)} />);
  });

  router.post('/portal/cases/:id/a/:action', async (req, res) => {
    const action = CASE_ACTIONS.find((a) => a.path === req.params.action) as
      CaseAction<z.ZodType> | undefined;
    if (!action) throw problems.notFound('No such action.');
    const actor = need(req, action.permission);
    const id = idOf(req);
    const form = req.body as Record<string, unknown>;
    const v = viewOf(req, o);
    await requireCaseAction(o.cases, id, actor, action.permission);
    await act(
      req,
      res,
      action.path,
      async () => {
        const body: unknown = parseRequestPart(
          action.body,
          formToJson(form, ACTION_SHAPES[action.path]),
          'body',
        );
        await action.run(o.cases, id, body, actor.principal, actor.roles);
        return `/portal/cases/${id}?done=${action.path}`;
      },
      async (outcome) => casePage(v, await o.cases.get(id), outcome, form),
    );
  });
}
