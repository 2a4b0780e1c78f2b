/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import type { Request, Router } from 'express';
import { z } from 'zod';
import { checkoutPassword, ELEVATION_COMMANDS, type ElevationAction } from '../../api/elevations';
import { problems } from '../../api/problem';
import { parseRequestPart } from '../../api/validation';
import { ELEVATION_ACTION_IDS, ELEVATION_ACTIONS, type ElevationView } from '../../domain/elevation';
import { elevationRequestSchema } from '../../schemas/elevation-schema';
import { type FormShape, formToJson } from '../forms';
import { statusText } from '../i18n';
import { type Child, Fragment, h, type Html } from '../jsx';
import { act, need, type PortalOptions, sendFragment, sendPage, viewOf } from '../portal';
import {
  binder,
  can,
  Checkbox,
  Csrf,
  DataTable,
  Done,
  Field,
  type FormOutcome,
  Layout,
  LogTable,
  Outcome,
  PostForm,
  until,
  type View,
} from '../view';

void Fragment;

const elevationId = z.object({
  id: z.string().regex(/^[0-9a-f-]{36}\.[1-9][0-9]{0,3}$/, 'an elevation id: <case id>.<n>'),
});
const idOf = (req: Request) => parseRequestPart(elevationId, req.params, 'params').id;
/** URL-safe names for the API's command paths. */
const commandSlug = (path: string) => path.replace('/', '-');

const REQUEST_SHAPE: FormShape = { arrays: ['actions'], numbers: ['durationMinutes'] };
const COMMAND_SHAPES: Record<string, FormShape> = {
  approve: { checkboxes: ['acknowledgeNotRecommended'] },
  extensions: { numbers: ['minutes'] },
};

export function ActionLevels({ v, chosen }: { v: View; chosen: readonly string[] }): Html {
  const known = chosen.filter((a): a is keyof typeof ELEVATION_ACTIONS => a in ELEVATION_ACTIONS);
  return (
    <div id="action-check" aria-live="polite">
      {known.length === 0 ? (
        <p>{v.t('elevation.chooseActions')}</p>
      ) : (
        <ul>
          {known.map((a) => {
            const spec = ELEVATION_ACTIONS[a];
            return (
              <li class={`level-${spec.level}`}>
                <strong>{v.t(`level.${spec.level}`)}</strong>: {v.t(`action.${a}`)}
                {spec.level === 'unsupported' ? ` — ${v.t('elevation.refusedByRule')} ${spec.rule}` : ''}
                {spec.level === 'not-recommended' ? ` — ${v.t('elevation.needsAck')}` : ''}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function requestPage(
  v: View,
  caseId: string,
  serial: string,
  outcome?: FormOutcome,
  form?: Record<string, unknown>,
): Html {
  const bind = binder('request', outcome, form);
  const chosen = form ? [form.actions].flat().filter((x): x is string => typeof x === 'string') : [];
  return (
    <Layout v={v} title={v.t('elevation.new')}>
      <form
        method="post"
        action="/portal/elevations"
        hx-post="/portal/elevations/check"
        hx-trigger="change"
        hx-target="#action-check"
        hx-swap="outerHTML"
      >
        <Outcome v={v} outcome={outcome} form="request" />
        <Csrf v={v} />
        <Field id="e-case" {...bind('_case', caseId)} label={v.t('elevation.case')} required />
        <Field id="e-ticket" {...bind('ticketId')} label={v.t('field.ticketId')} required />
        <Field id="e-serial" {...bind('deviceSerial', serial)} label={v.t('field.serial')} required />
        <Field id="e-category" {...bind('category')} label={v.t('field.category')} required />
        <Field id="e-title" {...bind('title')} label={v.t('field.title')} required />
        <Field id="e-plan" {...bind('planOfAction')} type="textarea" label={v.t('field.plan')} required />
        <fieldset>
          <legend>{v.t('field.actions')}</legend>
          {ELEVATION_ACTION_IDS.map((a) => (
            <Checkbox
              id={`e-action-${a}`}
              name="actions"
              value={a}
              checked={chosen.includes(a)}
              label={
                <>
                  {v.t(`action.${a}`)}{' '}
                  <span class={`badge level-${ELEVATION_ACTIONS[a].level}`}>
                    {v.t(`level.${ELEVATION_ACTIONS[a].level}`)}
                  </span>
                </>
              }
            />
          ))}
        </fieldset>
        <ActionLevels v={v} chosen={chosen} />
        <Field
          id="e-duration"
          {...bind('durationMinutes')}
          type="number"
          label={v.t('field.durationMinutes')}
          min={1}
          max={1440}
        />
        <Field
          id="e-bg"
          {...bind('breakGlass.reason')}
          type="textarea"
          label={v.t('field.breakGlassReason')}
          hint={v.t('elevation.breakGlassHint')}
        />
        <button type="submit">{v.t('elevation.submit')}</button>
      </form>
    </Layout>
  );
}

export function LeasePanel({ v, e }: { v: View; e: ElevationView }): Html {
  return (
    <section
      id="lease"
      aria-labelledby="lease-h"
      hx-get={`/portal/elevations/${e.id}/lease`}
      hx-trigger="every 15s"
      hx-swap="outerHTML"
    >
      <h2 id="lease-h">{v.t('elevation.lease')}</h2>
      <dl class="facts">
        <dt>{v.t('col.status')}</dt>
        <dd>
          <span class="badge">{statusText(v.t, e.status)}</span>
        </dd>
        <dt>{v.t('elevation.windowStart')}</dt>
        <dd>{v.fmt.dateTime(e.startsAt)}</dd>
        <dt>{v.t('elevation.windowEnd')}</dt>
        <dd>{e.endsAt ? `${v.fmt.dateTime(e.endsAt)} (${until(v, e.endsAt)})` : '—'}</dd>
        <dt>{v.t('elevation.rotates')}</dt>
        <dd>
          {e.status === 'active' && (e.nextRotationAt ?? e.endsAt)
            ? `${v.fmt.dateTime(e.nextRotationAt ?? e.endsAt)} (${until(v, e.nextRotationAt ?? e.endsAt)})`
            : e.rotatedAt
              ? `${v.t('elevation.rotatedAt')} ${v.fmt.dateTime(e.rotatedAt)}`
              : '—'}
        </dd>
        {e.status === 'pending-approval' ? (
          <>
            <dt>{v.t('elevation.waiting')}</dt>
            <dd>{v.fmt.duration(v.nowMs - Date.parse(e.requestedAt))}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

/** What a command form shows after a refusal: the outcome and, to fill it in again, what was sent. */
interface Refused {
  outcome?: FormOutcome;
  sent?: Record<string, unknown>;
}

/**
 * A form posting one command on an elevation. Most commands take a reason: `reasonId` gives the
 * form its reason field, before any other.
 */
function CommandForm({
  v,
  e,
  path,
  legend,
  refused = {},
  back,
  reasonId,
  children,
}: {
  v: View;
  e: ElevationView;
  path: string;
  legend: string;
  refused?: Refused;
  back?: string;
  reasonId?: string;
  children?: Child;
}): Html {
  const bind = binder(path, refused.outcome, refused.sent);
  return (
    <PostForm
      v={v}
      action={`/portal/elevations/${e.id}/c/${commandSlug(path)}`}
      legend={legend}
      form={path}
      outcome={refused.outcome}
      back={back}
    >
      {reasonId ? <Field id={reasonId} {...bind('reason')} label={v.t('field.reason')} required /> : null}
      {children}
    </PostForm>
  );
}

export function DecisionForms({
  v,
  e,
  refused,
  back,
}: {
  v: View;
  e: ElevationView;
  refused?: Refused;
  back?: string;
}): Html {
  const own = v.principal?.principal === e.requestedBy;
  if (!can(v, 'elevation:decide') || e.status !== 'pending-approval') return <></>;
  if (own)
    return (
      <p class="hint" id={`own-${e.id}`}>
        {v.t('elevation.selfApproval')}
      </p>
    );
  return (
    <div class="grid">
      {(['approve', 'deny'] as const).map((decision) => (
        <CommandForm
          v={v}
          e={e}
          path={decision}
          legend={v.t(`decision.${decision}`)}
          refused={refused}
          back={back}
          reasonId={`${decision}-reason-${e.id}`}
        >
          {decision === 'approve' && e.notRecommended.length > 0 ? (
            <Checkbox
              id={`approve-ack-${e.id}`}
              name="acknowledgeNotRecommended"
              label={`${v.t('elevation.acknowledge')} ${e.notRecommended.join(', ')}`}
            />
          ) : null}
        </CommandForm>
      ))}
    </div>
  );
}

function elevationPage(
  v: View,
  e: ElevationView,
  o: Refused & {
    password?: { value: string; endsAtMs: number; rotatesAtMs: number };
    done?: string;
  },
): Html {
  const refused: Refused = o;
  const own = v.principal?.principal === e.requestedBy;
  const active = e.status === 'active';
  return (
    <Layout v={v} title={`${v.t('elevation.title')} ${e.id}`}>
      <Done v={v} done={o.done} />
      <div class="grid">
        <section aria-labelledby="req-h">
          <h2 id="req-h">{v.t('elevation.request')}</h2>
          <dl class="facts">
            <dt>{v.t('elevation.case')}</dt>
            <dd>
              <a href={`/portal/cases/${e.caseId}`}>{e.caseId}</a>
            </dd>
            <dt>{v.t('col.requester')}</dt>
            <dd>{e.requestedBy}</dd>
            <dt>{v.t('field.ticketId')}</dt>
            <dd>{e.ticketId}</dd>
            <dt>{v.t('field.serial')}</dt>
            <dd>{e.deviceSerial}</dd>
            <dt>{v.t('field.category')}</dt>
            <dd>{e.category}</dd>
            <dt>{v.t('field.title')}</dt>
            <dd>{e.title}</dd>
            <dt>{v.t('field.plan')}</dt>
            <dd>{e.planOfAction}</dd>
            <dt>{v.t('field.actions')}</dt>
            <dd>
              <ActionLevels v={v} chosen={e.actions} />
            </dd>
            <dt>{v.t('elevation.approvedBy')}</dt>
            <dd>
              {e.approvedBy ?? '—'}
              {e.breakGlass ? ` (${v.t('elevation.breakGlass')})` : ''}
            </dd>
            <dt>{v.t('elevation.ended')}</dt>
            <dd>{e.endedReason ?? '—'}</dd>
          </dl>
        </section>
        <LeasePanel v={v} e={e} />
      </div>
      <DecisionForms v={v} e={e} refused={refused} />
      {own && active && can(v, 'elevation:checkout') ? (
        <section aria-labelledby="pw-h">
          <h2 id="pw-h">{v.t('elevation.password')}</h2>
          <div id="password-slot">
            <Outcome v={v} outcome={o.outcome} form="checkout" />
            {o.password ? (
              <p>
                <span id="password" class="secret">
                  {o.password.value}
                </span>{' '}
                <button type="button" data-copy="password" data-copied={v.t('elevation.copied')} hidden>
                  {v.t('elevation.copy')}
                </button>{' '}
                {v.t('elevation.validUntil')} {v.fmt.dateTime(new Date(o.password.endsAtMs).toISOString())},{' '}
                {v.t('elevation.rotatesBy')} {v.fmt.dateTime(new Date(o.password.rotatesAtMs).toISOString())}
              </p>
            ) : (
              <form
                method="post"
                action={`/portal/elevations/${e.id}/checkout`}
                hx-post={`/portal/elevations/${e.id}/checkout`}
                hx-target="#password-slot"
                hx-select="#password-slot"
                hx-swap="outerHTML"
              >
                <Csrf v={v} />
                <button type="submit">{v.t('elevation.reveal')}</button>
              </form>
            )}
          </div>
        </section>
      ) : null}
      {active && (own || can(v, 'elevation:decide')) ? (
        <div class="grid">
          <CommandForm
            v={v}
            e={e}
            path="release"
            legend={v.t('elevation.release')}
            refused={refused}
            reasonId="release-reason"
          />
          {own && !e.pendingExtension ? (
            <CommandForm
              v={v}
              e={e}
              path="extensions"
              legend={v.t('elevation.extend')}
              refused={refused}
              reasonId="ext-reason"
            >
              <Field
                id="ext-minutes"
                {...binder('extensions', refused.outcome, refused.sent)('minutes', '30')}
                type="number"
                label={v.t('field.minutes')}
                min={5}
                max={1440}
                required
              />
            </CommandForm>
          ) : (
            <></>
          )}
        </div>
      ) : null}
      {e.pendingExtension ? (
        <section aria-labelledby="ext-h">
          <h2 id="ext-h">{v.t('elevation.pendingExtension')}</h2>
          <p>
            {e.pendingExtension.minutes} min: {e.pendingExtension.reason}
          </p>
          {can(v, 'elevation:decide') && !own ? (
            <div class="grid">
              {(['approve', 'deny'] as const).map((decision) => (
                <CommandForm
                  v={v}
                  e={e}
                  path={`extensions/${decision}`}
                  legend={v.t(`decision.${decision}`)}
                  refused={refused}
                  reasonId={`ext${decision[0]}-reason`}
                />
              ))}
            </div>
          ) : null}
        </section>
      ) : null}
      {e.breakGlass && can(v, 'elevation:review') && !own ? (
        <CommandForm v={v} e={e} path="review" legend={v.t('elevation.review')} refused={refused}>
          <Field
            id="review-findings"
            {...binder('review', refused.outcome, refused.sent)('findings')}
            type="textarea"
            label={v.t('field.findings')}
            required
          />
        </CommandForm>
      ) : null}
      {e.checkouts.length > 0 ? (
        <p>
          {v.t('elevation.checkouts')}: {e.checkouts.map((c) => `${c.by} ${v.fmt.dateTime(c.at)}`).join('; ')}
        </p>
      ) : null}
      <LogTable v={v} entries={[...e.log].reverse()} caption={v.t('case.timeline')} />
    </Layout>
  );
}

export function elevationPages(router: Router, o: PortalOptions): void {
  router.get('/portal/elevations', async (req, res) => {
    const p = need(req, 'elevation:read');
    const v = viewOf(req, o);
    const mine = can(v, 'elevation:request')
      ? await o.elevations.list({ requester: p.principal }, 50, undefined)
      : undefined;
    const all = await o.elevations.listVisible({}, 50, undefined, p);
    const Table = ({ items, caption, id }: { items: typeof all.items; caption: string; id: string }) => (
      <DataTable
        id={id}
        caption={caption}
        rows={items}
        columns={[
          { label: v.t('col.id'), cell: (x) => <a href={`/portal/elevations/${x.id}`}>{x.id}</a> },
          { label: v.t('col.status'), cell: (x) => statusText(v.t, x.status) },
          { label: v.t('col.requester'), cell: (x) => x.requestedBy },
          { label: v.t('field.serial'), cell: (x) => x.deviceSerial },
          { label: v.t('elevation.requestedAt'), cell: (x) => v.fmt.dateTime(x.requestedAt) },
          { label: v.t('elevation.closedAt'), cell: (x) => v.fmt.dateTime(x.closedAt) },
        ]}
      />
    );
    sendPage(
      res,
      <Layout v={v} title={v.t('nav.elevations')}>
        {can(v, 'elevation:request') ? (
          <p>
            <a href="/portal/elevations/new">{v.t('elevation.new')}</a>
          </p>
        ) : null}
        {mine ? <Table items={mine.items} caption={v.t('elevation.mine')} id="mine" /> : null}
        <Table items={all.items} caption={v.t('elevation.all')} id="all" />
      </Layout>,
    );
  });

  router.get('/portal/elevations/new', async (req, res) => {
    need(req, 'elevation:request');
    const caseId =
      typeof req.query.case === 'string' && z.uuid().safeParse(req.query.case).success ? req.query.case : '';
    const serial = caseId ? ((await o.cases.get(caseId).catch(() => undefined))?.device.serial ?? '') : '';
    sendPage(res, requestPage(viewOf(req, o), caseId, serial));
  });

  router.post('/portal/elevations/check', (req, res) => {
    need(req, 'elevation:request');
    const chosen = [(req.body as Record<string, unknown>).actions]
      .flat()
      .filter((x): x is string => typeof x === 'string');
    sendFragment(res, <ActionLevels v={viewOf(req, o)} chosen={chosen} />);
  });

  router.post('/portal/elevations', async (req, res) => {
    const actor = need(req, 'elevation:request');
    const v = viewOf(req, o);
    const form = req.body as Record<string, unknown>;
    await act(
      req,
      res,
      'request',
      async () => {
        const { id: caseId } = parseRequestPart(
          z.object({ id: z.uuid({ message: 'a case id is a UUID' }) }),
          { id: form._case },
          'body',
        );
        const body = parseRequestPart(elevationRequestSchema, formToJson(form, REQUEST_SHAPE), 'body');
        const view = await o.elevations.request(caseId, actor.principal, body);
        return `/portal/elevations/${view.id}`;
      },
      (outcome) => Promise.resolve(requestPage(v, '', '', outcome, form)),
    );
  });

  router.get('/portal/elevations/:id', async (req, res) => {
    const p = need(req, 'elevation:read');
    const done =
      typeof req.query.done === 'string'
        ? ELEVATION_COMMANDS.find((c) => commandSlug(c.path) === req.query.done)?.path
        : undefined;
    sendPage(res, elevationPage(viewOf(req, o), await o.elevations.getVisible(idOf(req), p), { done }));
  });

  router.get('/portal/elevations/:id/lease', async (req, res) => {
    const p = need(req, 'elevation:read');
    sendFragment(res, <LeasePanel v={viewOf(req, o)} e={await o.elevations.getVisible(idOf(req), p)} />);
  });

  router.post('/portal/elevations/:id/checkout', async (req, res) => {
    const actor = need(req, 'elevation:checkout');
    const id = idOf(req);
    const v = viewOf(req, o);
    try {
      const secret = await checkoutPassword(o.elevations, o.vault, id, actor.principal);
      res.set('Cache-Control', 'no-store');
      sendPage(
        res,
        elevationPage(v, await o.elevations.get(id), {
          password: { value: secret.password, endsAtMs: secret.endsAtMs, rotatesAtMs: secret.rotatesAtMs },
        }),
      );
    } catch (err) {
      if (err instanceof Error && 'status' in err && (err.status === 403 || err.status === 409)) {
        const problem = err as Error & { status: number; detail?: string };
        sendPage(
          res,
          elevationPage(v, await o.elevations.get(id), {
            outcome: { form: 'checkout', message: problem.detail ?? problem.message, errors: [] },
          }),
          problem.status,
        );
        return;
      }
      throw err;
    }
  });

  router.post('/portal/elevations/:id/c/:command', async (req, res) => {
    const command = ELEVATION_COMMANDS.find((c) => commandSlug(c.path) === req.params.command) as
      ElevationAction<z.ZodType> | undefined;
    if (!command) throw problems.notFound('No such command.');
    need(req, command.permission);
    const id = idOf(req);
    const v = viewOf(req, o);
    const form = req.body as Record<string, unknown>;
    const back =
      typeof form._back === 'string' && form._back === 'approvals' ? '/portal/approvals' : undefined;
    await act(
      req,
      res,
      command.path,
      async () => {
        const body: unknown = parseRequestPart(
          command.body,
          formToJson(form, COMMAND_SHAPES[command.path]),
          'body',
        );
        await command.run(o.elevations, id, body, req);
        return back ?? `/portal/elevations/${id}?done=${commandSlug(command.path)}`;
      },
      async (outcome) => elevationPage(v, await o.elevations.get(id), { outcome, sent: form }),
    );
  });
}
