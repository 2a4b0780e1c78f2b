/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import type { Request, Router } from 'express';
import type { ElevationView } from '../../domain/elevation';
import { listEscalations, oldestFirst } from '../escalation-list';
import { Fragment, h, type Html } from '../jsx';
import { type PortalOptions, sendFragment, sendPage, viewOf } from '../portal';
import { problems } from '../../api/problem';
import { can, Layout, until, type View } from '../view';
import { ActionLevels, DecisionForms } from './elevations';
import { HeldDecision } from './escalations';

void Fragment;

function needApprover(req: Request): void {
  if (!req.principal) throw problems.unauthenticated('Sign in first.');
  const v = { principal: req.principal } as View;
  if (!can(v, 'elevation:decide') && !can(v, 'escalation:decide')) {
    throw problems.forbidden('The approvals inbox is for IT admins.');
  }
}

async function pendingElevations(o: PortalOptions): Promise<ElevationView[]> {
  const page = await o.elevations.list({ status: 'pending-approval' }, 100, undefined);
  const views = await Promise.all(page.items.map((x) => o.elevations.get(x.id).catch(() => undefined)));
  return views
    .filter((e): e is ElevationView => e !== undefined && e.status === 'pending-approval')
    .sort((a, b) => Date.parse(a.requestedAt) - Date.parse(b.requestedAt));
}

/** Break-glass grants whose case still waits for an IT admin's review. */
async function awaitingReview(o: PortalOptions): Promise<ElevationView[]> {
  const page = await o.elevations.list({}, 100, undefined);
  const views = await Promise.all(page.items.map((x) => o.elevations.get(x.id).catch(() => undefined)));
  const breakGlass = views.filter((e): e is ElevationView => e?.breakGlass === true);
  const reviewed = await Promise.all(
    breakGlass.map(async (e) => {
      const c = await o.cases.get(e.caseId).catch(() => undefined);
      return c?.elevations.find((x) => x.id === e.id)?.review !== null;
    }),
  );
  return breakGlass.filter((_e, i) => !reviewed[i]);
}

function ApprovalCount({ v, count }: { v: View; count: number }): Html {
  return (
    <span
      id="approval-count"
      role="status"
      hx-get="/portal/approvals/count"
      hx-trigger="every 20s"
      hx-swap="outerHTML"
    >
      {v.t('approvals.waiting', { count })}
    </span>
  );
}

async function counts(o: PortalOptions) {
  const [elevations, escalations] = await Promise.all([
    pendingElevations(o),
    listEscalations(o.client, { openOnly: true, limit: 100 }),
  ]);
  const held = escalations.filter((e) => e.status === 'awaiting-approval').sort(oldestFirst);
  return { elevations, held };
}

export function approvalPages(router: Router, o: PortalOptions): void {
  router.get('/portal/approvals/count', async (req, res) => {
    needApprover(req);
    const { elevations, held } = await counts(o);
    sendFragment(res, <ApprovalCount v={viewOf(req, o)} count={elevations.length + held.length} />);
  });

  router.get('/portal/approvals', async (req, res) => {
    needApprover(req);
    const v = viewOf(req, o);
    const [{ elevations, held }, review] = await Promise.all([counts(o), awaitingReview(o)]);
    const expiresAt = (e: ElevationView) =>
      new Date(Date.parse(e.requestedAt) + o.policy.elevation.approvalTimeoutMinutes * 60_000).toISOString();
    sendPage(
      res,
      <Layout v={v} title={v.t('nav.approvals')}>
        <p>
          <ApprovalCount v={v} count={elevations.length + held.length} />
        </p>
        <section aria-labelledby="pe-h">
          <h2 id="pe-h">{v.t('approvals.elevations')}</h2>
          {elevations.length === 0 ? <p>{v.t('none')}</p> : null}
          {elevations.map((e) => (
            <article aria-labelledby={`pe-${e.id}`} class="inbox-item">
              <h3 id={`pe-${e.id}`}>
                <a href={`/portal/elevations/${e.id}`}>{e.title}</a>
              </h3>
              <dl class="facts">
                <dt>{v.t('col.requester')}</dt>
                <dd>{e.requestedBy}</dd>
                <dt>{v.t('field.serial')}</dt>
                <dd>{e.deviceSerial}</dd>
                <dt>{v.t('elevation.case')}</dt>
                <dd>
                  <a href={`/portal/cases/${e.caseId}`}>{e.caseId}</a> ({v.t('field.ticketId')} {e.ticketId})
                </dd>
                <dt>{v.t('field.plan')}</dt>
                <dd>{e.planOfAction}</dd>
                <dt>{v.t('field.actions')}</dt>
                <dd>
                  <ActionLevels v={v} chosen={e.actions} />
                </dd>
                <dt>{v.t('elevation.waiting')}</dt>
                <dd>{v.fmt.duration(v.nowMs - Date.parse(e.requestedAt))}</dd>
                <dt>{v.t('approvals.expires')}</dt>
                <dd>{until(v, expiresAt(e))}</dd>
              </dl>
              <DecisionForms v={v} e={e} back="approvals" />
            </article>
          ))}
        </section>
        <section aria-labelledby="he-h">
          <h2 id="he-h">{v.t('approvals.escalations')}</h2>
          {held.length === 0 ? <p>{v.t('none')}</p> : null}
          {held.map((e) => (
            <article aria-labelledby={`he-${e.id}`} class="inbox-item">
              <h3 id={`he-${e.id}`}>
                <a href={`/portal/escalations/${e.id}`}>{e.title}</a>
              </h3>
              <p>
                {v.t('col.severity')} {e.severity} · {e.target} · {v.t('escalation.filedBy')} {e.filedBy} ·{' '}
                {e.category} ({e.adminContact}) ·{' '}
                {e.caseId ? <a href={`/portal/cases/${e.caseId}`}>{e.caseId}</a> : e.incidentId} ·{' '}
                {v.t('elevation.waiting')}{' '}
                {v.fmt.duration(v.nowMs - Date.parse(e.log[0]?.at ?? new Date(v.nowMs).toISOString()))}
              </p>
              <HeldDecision v={v} e={e} back="approvals" />
            </article>
          ))}
        </section>
        <section aria-labelledby="bg-h">
          <h2 id="bg-h">{v.t('approvals.review')}</h2>
          {review.length === 0 ? <p>{v.t('none')}</p> : null}
          <ul>
            {review.map((e) => (
              <li>
                <a href={`/portal/elevations/${e.id}`}>{e.title}</a> — {e.requestedBy}, {e.deviceSerial}
              </li>
            ))}
          </ul>
        </section>
      </Layout>,
    );
  });
}
