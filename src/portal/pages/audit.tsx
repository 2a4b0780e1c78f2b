/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import type { Router } from 'express';
import { z } from 'zod';
import { auditCase } from '../../api/audit';
import { caseStateAt } from '../../api/case-state';
import { HttpProblem } from '../../api/problem';
import { parseRequestPart } from '../../api/validation';
import { buildBundle, bundleToTar } from '../../audit/bundle';
import { Fragment, h, type Html } from '../jsx';
import { statusText } from '../i18n';
import { need, type PortalOptions, sendPage, viewOf } from '../portal';
import { DataTable, Field, Layout, logColumns, type View } from '../view';

void Fragment;

const querySchema = z
  .object({
    case: z.uuid({ message: 'a case id is a UUID' }).optional(),
    type: z
      .string()
      .regex(/^[a-z0-9-]{1,60}$/, 'an entry type')
      .optional(),
    actor: z.string().max(128).optional(),
    asOfEvent: z.coerce.number().int().min(1).optional(),
  })
  .strict();

function StateAt({ v, at }: { v: View; at: Awaited<ReturnType<typeof caseStateAt>> }): Html {
  return (
    <section aria-labelledby="asof-h" id="as-of">
      <h2 id="asof-h">{v.t('audit.asOfTitle', { event: at.reflectsEvent })}</h2>
      <dl class="facts">
        <dt>{v.t('col.status')}</dt>
        <dd>{statusText(v.t, at.state.status)}</dd>
        <dt>{v.t('col.severity')}</dt>
        <dd>{at.state.severity}</dd>
        <dt>{v.t('col.tier')}</dt>
        <dd>{at.state.tier}</dd>
        <dt>{v.t('col.assignee')}</dt>
        <dd>{at.state.assignee ?? '—'}</dd>
        <dt>{v.t('audit.run')}</dt>
        <dd>{at.runId}</dd>
      </dl>
    </section>
  );
}

export function auditPages(router: Router, o: PortalOptions): void {
  router.get('/portal/audit', async (req, res) => {
    const actor = need(req, 'case:audit');
    const v = viewOf(req, o);
    const raw = Object.fromEntries(Object.entries(req.query).filter(([, x]) => x !== ''));
    const q = parseRequestPart(querySchema, raw, 'query');
    const audited = q.case ? await auditCase(o.client, q.case, actor) : undefined;
    let at: Awaited<ReturnType<typeof caseStateAt>> | undefined;
    let asOfProblem: string | undefined;
    if (q.case && q.asOfEvent) {
      try {
        at = await caseStateAt(o.client, actor, q.case, q.asOfEvent);
      } catch (err) {
        if (!(err instanceof HttpProblem) || err.status !== 404) throw err;
        asOfProblem = err.detail;
      }
    }
    const entries = (audited?.timeline.entries ?? []).filter(
      (e) => (!q.type || e.type === q.type) && (!q.actor || e.actor === q.actor),
    );
    const types = [...new Set((audited?.timeline.entries ?? []).map((e) => e.type))].sort();
    sendPage(
      res,
      <Layout v={v} title={v.t('nav.audit')}>
        <form method="get" action="/portal/audit">
          <fieldset>
            <legend>{v.t('audit.find')}</legend>
            <div class="grid">
              <Field id="a-case" name="case" label={v.t('elevation.case')} value={q.case} required />
              <Field
                id="a-type"
                name="type"
                type="select"
                label={v.t('col.what')}
                value={q.type ?? ''}
                options={[['', v.t('filter.any')], ...types.map((t) => [t, t] as const)]}
              />
              <Field id="a-actor" name="actor" label={v.t('col.who')} value={q.actor} />
              <Field
                id="a-asof"
                name="asOfEvent"
                type="number"
                label={v.t('audit.asOf')}
                value={q.asOfEvent?.toString()}
                min={1}
              />
            </div>
            <button type="submit">{v.t('filter.apply')}</button>
          </fieldset>
        </form>
        {at ? <StateAt v={v} at={at} /> : null}
        {asOfProblem ? (
          <p class="problem" role="alert">
            {asOfProblem}
          </p>
        ) : null}
        {audited ? (
          <>
            <p>
              <a href={`/portal/audit/${audited.id}/bundle`} download>
                {v.t('audit.bundle')}
              </a>
            </p>
            <DataTable
              id="timeline"
              caption={v.t('case.timeline')}
              rows={entries}
              columns={[
                ...logColumns<(typeof entries)[number]>(v),
                { label: v.t('audit.source'), cell: (e) => `${e.workflowId} #${e.eventId}` },
              ]}
            />
          </>
        ) : null}
      </Layout>,
    );
  });

  router.get('/portal/audit/:id/bundle', async (req, res) => {
    const actor = need(req, 'case:audit');
    const { id } = parseRequestPart(z.object({ id: z.uuid() }), req.params, 'params');
    const { histories, timeline } = await auditCase(o.client, id, actor);
    res
      .type('application/x-tar')
      .set('Content-Disposition', `attachment; filename="case-${id}-audit.tar"`)
      .send(bundleToTar(buildBundle(id, histories, timeline)));
  });
}
