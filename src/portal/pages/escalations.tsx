/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import type { Request, Router } from 'express';
import { z } from 'zod';
import {
  answerEscalation,
  decideHeldEscalation,
  escalationHandle,
  fileCaseEscalation,
  incidentRequestSchema,
  maySeeEscalation,
  openIncident,
  visibleEscalation,
} from '../../api/escalations';
import { problems } from '../../api/problem';
import { parseRequestPart } from '../../api/validation';
import type { CaseView } from '../../domain/case';
import { SEVERITIES } from '../../domain/categories';
import { ESCALATION_AREAS, type EscalationView, REQUEST_TYPES } from '../../domain/escalation';
import { escalationRequestSchema } from '../../schemas/escalation-schema';
import { gateOf } from '../../domain/escalation-gate';
import { ESCALATION_TARGETS } from '../../domain/routing';
import { getEscalation } from '../../workflows/escalation.messages';
import * as im from '../../workflows/incident.messages';
import { listEscalations } from '../escalation-list';
import { type FormShape, formToJson } from '../forms';
import { statusText } from '../i18n';
import { Fragment, h, type Html } from '../jsx';
import { act, need, type PortalOptions, sendPage, viewOf } from '../portal';
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
  TitleAndDescription,
  until,
  type View,
} from '../view';

void Fragment;

const escalationId = z.object({
  id: z
    .string()
    .regex(/^(inc-)?[0-9a-f-]{36}\.x[1-9][0-9]{0,3}$/, 'an escalation id: <case or incident id>.x<n>'),
});
export const escalationIdOf = (req: Request) => parseRequestPart(escalationId, req.params, 'params').id;
const caseIdSchema = z.object({ id: z.uuid({ message: 'a case id is a UUID' }) });

const REQUEST_SHAPE: FormShape = { checkboxes: ['twentyFourSeven'] };
const reasonSchema = z.object({ reason: z.string().trim().min(3).max(2_000) }).strict();
const messageSchema = z.object({ message: z.string().trim().min(3).max(2_000) }).strict();

/** Response clocks as text: what is due next and how long is left. */
export function clocks(v: View, e: EscalationView): string {
  if (e.needsInfo) return `${v.t('escalation.needsInfo')} (${v.fmt.dateTime(e.needsInfo.at)})`;
  if (e.initialResponseDue) return `${v.t('escalation.initialResponse')} ${until(v, e.initialResponseDue)}`;
  if (e.nextUpdateDue) return `${v.t('escalation.nextUpdate')} ${until(v, e.nextUpdateDue)}`;
  return '—';
}

export function EscalationTable({
  v,
  items,
  caption,
  id,
}: {
  v: View;
  items: EscalationView[];
  caption: string;
  id: string;
}): Html {
  return (
    <DataTable
      id={id}
      caption={caption}
      rows={items}
      columns={[
        { label: v.t('field.title'), cell: (e) => <a href={`/portal/escalations/${e.id}`}>{e.title}</a> },
        { label: v.t('escalation.target'), cell: (e) => e.target },
        { label: v.t('col.severity'), cell: (e) => e.severity },
        { label: v.t('col.status'), cell: (e) => statusText(v.t, e.status) },
        { label: v.t('escalation.gate'), cell: (e) => e.gate },
        { label: v.t('escalation.filedBy'), cell: (e) => e.filedBy },
        { label: v.t('escalation.clocks'), cell: (e) => clocks(v, e) },
      ]}
    />
  );
}

/** Who may file what, before anything is submitted: the rules the workflow will apply. */
function GateExplained({
  v,
  c,
  contacts,
}: {
  v: View;
  c: CaseView | undefined;
  contacts: Partial<Record<string, string>>;
}): Html {
  const isAdmin = v.principal?.roles.includes('it-admin') ?? false;
  // The service's gate for this case, from the same rule table the workflow applies.
  const outcome = c
    ? gateOf({
        target: 'service-ops',
        caseSeverity: c.severity,
        escalationSeverity: c.severity,
        filer: isAdmin ? 'it-admin' : 'escalation-team',
      })
    : undefined;
  return (
    <section aria-labelledby="gate-h" id="gate">
      <h2 id="gate-h">{v.t('gate.title')}</h2>
      <ul>
        <li>{v.t('gate.team')}</li>
        <li>{v.t('gate.admin')}</li>
        <li>{v.t('gate.routes')}</li>
        <li>{v.t('gate.testGroup')}</li>
      </ul>
      {c && outcome ? (
        <p>
          <strong>
            {v.t('gate.thisCase', { severity: c.severity })}{' '}
            {outcome.fileAtOnce ? v.t('gate.filedAtOnce') : v.t('gate.held')}
          </strong>{' '}
          {c.route.target ? v.t('gate.recommended', { target: c.route.target }) : ''}
        </p>
      ) : null}
      <DataTable
        caption={v.t('gate.contacts')}
        rows={ESCALATION_AREAS}
        columns={[
          { label: v.t('field.area'), cell: (area) => area },
          { label: v.t('gate.contact'), cell: (area) => contacts[area] ?? v.t('gate.noContact') },
        ]}
      />
    </section>
  );
}

function filePage(
  v: View,
  o: PortalOptions,
  c: CaseView | undefined,
  caseId: string,
  outcome?: FormOutcome,
  form?: Record<string, unknown>,
): Html {
  const bind = binder('file', outcome, form);
  return (
    <Layout v={v} title={v.t('escalation.new')}>
      <GateExplained v={v} c={c} contacts={o.policy.escalation.adminContacts} />
      <form method="post" action="/portal/escalations">
        <Outcome v={v} outcome={outcome} form="file" />
        <Csrf v={v} />
        <Field id="x-case" {...bind('_case', caseId)} label={v.t('elevation.case')} required />
        {(
          [
            ['x-target', 'target', 'escalation.target', ESCALATION_TARGETS, 'escalation.recommendedTarget'],
            ['x-severity', 'severity', 'field.severity', SEVERITIES, 'escalation.caseSeverity'],
            ['x-type', 'requestType', 'field.requestType', REQUEST_TYPES, undefined],
            ['x-area', 'category', 'field.area', ESCALATION_AREAS, undefined],
          ] as const
        ).map(([id, name, label, values, empty]) => (
          <Field
            id={id}
            {...bind(name)}
            type="select"
            label={v.t(label)}
            options={empty ? [['', v.t(empty)], ...choices(values)] : choices(values)}
          />
        ))}
        <Field id="x-sub" {...bind('subCategory')} label={v.t('field.subCategory')} required />
        <TitleAndDescription v={v} prefix="x" bind={bind} title={c?.title} />
        <Field id="x-contact" {...bind('contact')} label={v.t('field.primaryContact')} required />
        <Checkbox
          id="x-247"
          name="twentyFourSeven"
          label={v.t('field.twentyFourSeven')}
          checked={form?.twentyFourSeven !== undefined}
        />
        <Field id="x-reason" {...bind('reason')} label={v.t('field.reasonOtherTarget')} />
        <button type="submit">{v.t('escalation.submit')}</button>
      </form>
    </Layout>
  );
}

export function HeldDecision({
  v,
  e,
  outcome,
  sent,
  back,
}: {
  v: View;
  e: EscalationView;
  outcome?: FormOutcome;
  sent?: Record<string, unknown>;
  back?: string;
}): Html {
  if (!can(v, 'escalation:decide') || e.status !== 'awaiting-approval') return <></>;
  return (
    <div class="grid">
      {(['approve', 'decline'] as const).map((decision) => (
        <PostForm
          v={v}
          action={`/portal/escalations/${e.id}/decide/${decision}`}
          legend={v.t(`decision.${decision}`)}
          form={decision}
          outcome={outcome}
          back={back}
        >
          <Field
            id={`${decision}-reason-${e.id}`}
            {...binder(decision, outcome, sent)('reason')}
            label={v.t('field.reason')}
            required
          />
        </PostForm>
      ))}
    </div>
  );
}

function escalationPage(
  v: View,
  e: EscalationView,
  outcome?: FormOutcome,
  done?: string,
  sent?: Record<string, unknown>,
): Html {
  return (
    <Layout v={v} title={`${v.t('escalation.title')}: ${e.title}`}>
      <Done v={v} done={done} />
      <dl class="facts">
        <dt>{v.t('col.id')}</dt>
        <dd>{e.id}</dd>
        <dt>{v.t('elevation.case')}</dt>
        <dd>
          {e.caseId ? (
            <a href={`/portal/cases/${e.caseId}`}>{e.caseId}</a>
          ) : e.incidentId ? (
            <a href={`/portal/incidents/${e.incidentId}`}>{e.incidentId}</a>
          ) : (
            '—'
          )}
        </dd>
        <dt>{v.t('escalation.target')}</dt>
        <dd>{e.target}</dd>
        <dt>{v.t('col.severity')}</dt>
        <dd>
          {e.severity}
          {e.twentyFourSeven ? ' (24x7)' : ''}
        </dd>
        <dt>{v.t('col.status')}</dt>
        <dd>{statusText(v.t, e.status)}</dd>
        <dt>{v.t('escalation.gate')}</dt>
        <dd>{e.gate}</dd>
        <dt>{v.t('escalation.filedBy')}</dt>
        <dd>
          {e.filedBy}
          {e.approvedBy ? ` (${v.t('elevation.approvedBy')} ${e.approvedBy})` : ''}
        </dd>
        <dt>{v.t('field.requestType')}</dt>
        <dd>{e.requestType}</dd>
        <dt>{v.t('field.area')}</dt>
        <dd>
          {e.category} / {e.subCategory} ({v.t('gate.contact')}: {e.adminContact})
        </dd>
        <dt>{v.t('field.primaryContact')}</dt>
        <dd>{e.contact}</dd>
        <dt>{v.t('escalation.delivery')}</dt>
        <dd>
          {e.delivery
            ? `${e.delivery.to} ${v.fmt.dateTime(e.delivery.at)}${e.delivery.externalReference ? ` (${e.delivery.externalReference})` : ''}`
            : '—'}
        </dd>
        <dt>{v.t('escalation.clocks')}</dt>
        <dd>{clocks(v, e)}</dd>
        <dt>{v.t('case.resolution')}</dt>
        <dd>{e.resolution?.message ?? '—'}</dd>
      </dl>
      <HeldDecision v={v} e={e} outcome={outcome} sent={sent} />
      {e.needsInfo && can(v, 'escalation:answer') ? (
        <PostForm
          v={v}
          action={`/portal/escalations/${e.id}/answer`}
          legend={v.t('escalation.answer')}
          form="answer"
          outcome={outcome}
        >
          <p>{e.needsInfo.message}</p>
          <Field
            id="answer-message"
            {...binder('answer', outcome, sent)('message')}
            type="textarea"
            label={v.t('field.message')}
            required
          />
        </PostForm>
      ) : null}
      <LogTable v={v} entries={[...e.log].reverse()} caption={v.t('case.timeline')} />
    </Layout>
  );
}

function incidentForm(v: View, outcome?: FormOutcome, form?: Record<string, unknown>): Html {
  const bind = binder('incident', outcome, form);
  return (
    <PostForm
      v={v}
      action="/portal/incidents"
      id="incident-form"
      legend={v.t('incident.new')}
      submit={v.t('incident.open')}
      form="incident"
      outcome={outcome}
    >
      <TitleAndDescription v={v} prefix="i" bind={bind} />
      <Field
        id="i-severity"
        {...bind('severity', 'B')}
        type="select"
        label={v.t('field.severity')}
        options={choices(SEVERITIES)}
      />
      <Field
        id="i-cases"
        {...bind('_caseIds')}
        type="textarea"
        label={v.t('incident.caseIds')}
        required
        hint={v.t('incident.caseIdsHint')}
      />
    </PostForm>
  );
}

export function escalationPages(router: Router, o: PortalOptions): void {
  const listPage = async (req: Request, outcome?: FormOutcome, form?: Record<string, unknown>) => {
    const v = viewOf(req, o);
    const all = await listEscalations(o.client, { openOnly: false, limit: 50 });
    const principal = need(req, 'escalation:read');
    const seen = await Promise.all(all.map((e) => maySeeEscalation(o.client, principal, e)));
    const items = all.filter((_, i) => seen[i]);
    return (
      <Layout v={v} title={v.t('nav.escalations')}>
        {can(v, 'escalation:file') ? (
          <p>
            <a href="/portal/escalations/new">{v.t('escalation.new')}</a>
          </p>
        ) : null}
        <EscalationTable v={v} items={items} caption={v.t('escalation.list')} id="escalations" />
        {can(v, 'incident:manage') ? incidentForm(v, outcome, form) : null}
      </Layout>
    );
  };

  /** The escalation's page again, with a refused form's outcome and what it sent. */
  const refusedOn = (v: View, id: string, form: Record<string, unknown>) => async (outcome: FormOutcome) =>
    escalationPage(
      v,
      await escalationHandle(o.escalations, id).query(getEscalation),
      outcome,
      undefined,
      form,
    );

  router.get('/portal/escalations', async (req, res) => {
    need(req, 'escalation:read');
    sendPage(res, await listPage(req));
  });

  router.get('/portal/escalations/new', async (req, res) => {
    need(req, 'escalation:file');
    const caseId =
      typeof req.query.case === 'string' && z.uuid().safeParse(req.query.case).success ? req.query.case : '';
    const c = caseId ? await o.cases.get(caseId).catch(() => undefined) : undefined;
    sendPage(res, filePage(viewOf(req, o), o, c, caseId));
  });

  router.post('/portal/escalations', async (req, res) => {
    const actor = need(req, 'escalation:file');
    const v = viewOf(req, o);
    const form = req.body as Record<string, unknown>;
    await act(
      req,
      res,
      'file',
      async () => {
        const { id } = parseRequestPart(caseIdSchema, { id: form._case }, 'body');
        const request = parseRequestPart(escalationRequestSchema, formToJson(form, REQUEST_SHAPE), 'body');
        const view = await fileCaseEscalation(o.escalations, id, actor, request);
        return `/portal/escalations/${view.id}`;
      },
      async (outcome) => {
        const id = typeof form._case === 'string' ? form._case : '';
        const c = z.uuid().safeParse(id).success ? await o.cases.get(id).catch(() => undefined) : undefined;
        return filePage(v, o, c, id, outcome, form);
      },
    );
  });

  router.get('/portal/escalations/:id', async (req, res) => {
    const actor = need(req, 'escalation:read');
    const view = await visibleEscalation(o.escalations, escalationIdOf(req), actor);
    const done =
      typeof req.query.done === 'string' && /^[a-z]{1,20}$/.test(req.query.done) ? req.query.done : undefined;
    sendPage(res, escalationPage(viewOf(req, o), view, undefined, done));
  });

  router.post('/portal/escalations/:id/decide/:decision', async (req, res) => {
    const actor = need(req, 'escalation:decide');
    const decision = req.params.decision;
    if (decision !== 'approve' && decision !== 'decline') throw problems.notFound('No such decision.');
    const id = escalationIdOf(req);
    const form = req.body as Record<string, unknown>;
    const v = viewOf(req, o);
    await act(
      req,
      res,
      decision,
      async () => {
        const { reason } = parseRequestPart(reasonSchema, formToJson(form), 'body');
        await decideHeldEscalation(o.escalations, id, decision, actor.principal, reason);
        return form._back === 'approvals'
          ? '/portal/approvals'
          : `/portal/escalations/${id}?done=${decision}`;
      },
      refusedOn(v, id, form),
    );
  });

  router.post('/portal/escalations/:id/answer', async (req, res) => {
    const actor = need(req, 'escalation:answer');
    const id = escalationIdOf(req);
    const form = req.body as Record<string, unknown>;
    const v = viewOf(req, o);
    await act(
      req,
      res,
      'answer',
      async () => {
        const { message } = parseRequestPart(messageSchema, formToJson(form), 'body');
        await answerEscalation(o.escalations, id, actor, message);
        return `/portal/escalations/${id}?done=answer`;
      },
      refusedOn(v, id, form),
    );
  });

  router.post('/portal/incidents', async (req, res) => {
    const actor = need(req, 'incident:manage');
    const form = req.body as Record<string, unknown>;
    await act(
      req,
      res,
      'incident',
      async () => {
        const caseIds = (typeof form._caseIds === 'string' ? form._caseIds : '')
          .split(/[\s,]+/)
          .filter((s) => s !== '');
        const body = parseRequestPart(incidentRequestSchema, { ...formToJson(form), caseIds }, 'body');
        const view = await openIncident(o.escalations, actor.principal, body);
        return `/portal/incidents/${view.id}`;
      },
      (outcome) => listPage(req, outcome, form),
    );
  });

  router.get('/portal/incidents/:id', async (req, res) => {
    need(req, 'incident:read');
    const { id } = parseRequestPart(
      z.object({ id: z.string().regex(/^inc-[0-9a-f-]{36}$/, 'an incident id') }),
      req.params,
      'params',
    );
    const incident = await o.client.workflow.getHandle(im.incidentWorkflowId(id)).query(im.getIncident);
    const v = viewOf(req, o);
    sendPage(
      res,
      <Layout v={v} title={`${v.t('incident.title')}: ${incident.title}`}>
        <dl class="facts">
          <dt>{v.t('col.status')}</dt>
          <dd>{incident.status}</dd>
          <dt>{v.t('col.severity')}</dt>
          <dd>{incident.severity}</dd>
          <dt>{v.t('escalation.title')}</dt>
          <dd>
            {incident.escalationId ? (
              <a href={`/portal/escalations/${incident.escalationId}`}>{incident.escalationId}</a>
            ) : (
              '—'
            )}{' '}
            {incident.escalationStatus ?? ''}
          </dd>
          <dt>{v.t('incident.cases')}</dt>
          <dd>
            <ul>
              {incident.caseIds.map((c) => (
                <li>
                  <a href={`/portal/cases/${c}`}>{c}</a>
                </li>
              ))}
            </ul>
          </dd>
        </dl>
        <p>{incident.description}</p>
        <LogTable v={v} entries={[...incident.log].reverse()} caption={v.t('case.timeline')} />
      </Layout>,
    );
  });
}
