/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import type { FieldIssue } from '../api/problem';
import { isAllowed, type Permission, type Principal } from '../domain/roles';
import type { Formatter } from './format';
import type { Lang, MessageKey, Translate } from './i18n';
import { type Child, Fragment, h, type Html } from './jsx';
import { fieldText } from './forms';
import type { SlaBadge } from './sla-badge';

void Fragment;

/** Everything a page needs to render for one request. */
export interface View {
  lang: Lang;
  t: Translate;
  fmt: Formatter;
  nowMs: number;
  principal: Principal | undefined;
  csrf: string;
  /** The path (and query) of this page, to come back to after switching language. */
  path: string;
  devSignIn: boolean;
  oidc: boolean;
}

export const can = (v: View, permission: Permission): boolean =>
  v.principal !== undefined && isAllowed(v.principal, permission);
export const isServiceOps = (v: View): boolean => v.principal?.roles.includes('service-ops') ?? false;

/** A form's outcome shown on the page it came from. */
export interface FormOutcome {
  /** Which form on the page it belongs to. */
  form: string;
  message: string;
  errors: FieldIssue[];
}

const NAV: { href: string; label: MessageKey; show: (v: View) => boolean }[] = [
  { href: '/portal/cases', label: 'nav.cases', show: (v) => can(v, 'case:read') },
  { href: '/portal/elevations', label: 'nav.elevations', show: (v) => can(v, 'elevation:read') },
  {
    href: '/portal/approvals',
    label: 'nav.approvals',
    show: (v) => can(v, 'elevation:decide') || can(v, 'escalation:decide'),
  },
  { href: '/portal/escalations', label: 'nav.escalations', show: (v) => can(v, 'escalation:read') },
  { href: '/portal/service-ops', label: 'nav.serviceOps', show: isServiceOps },
  { href: '/portal/roles', label: 'nav.roles', show: (v) => v.principal !== undefined },
  { href: '/portal/audit', label: 'nav.audit', show: (v) => can(v, 'case:audit') },
];

export function Csrf({ v }: { v: View }): Html {
  return <input type="hidden" name="_csrf" value={v.csrf} />;
}

function LanguageSwitch({ v }: { v: View }): Html {
  const other: Lang = v.lang === 'sv' ? 'en' : 'sv';
  return (
    <form method="post" action="/portal/lang" class="inline">
      <Csrf v={v} />
      <input type="hidden" name="lang" value={other} />
      <input type="hidden" name="returnTo" value={v.path} />
      <button type="submit" lang={other}>
        {other === 'sv' ? 'Svenska' : 'English'}
      </button>
    </form>
  );
}

/** The slot every page keeps for a message answering an htmx request that was refused. */
export const ALERT_SLOT = 'portal-alert';

/**
 * htmx's settings. Refusals (4xx, 5xx) are swapped too, unlike htmx's default: the portal answers
 * them with a message aimed at the alert slot, so a refused htmx request is never silent.
 */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '[45]..', swap: true, error: true },
  ],
});

export function Layout({ v, title, children }: { v: View; title: string; children?: Child }): Html {
  const current = v.path.split('?')[0] ?? '';
  return (
    <html lang={v.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${title} · caseflow`}</title>
        <link rel="stylesheet" href="/portal/assets/portal.css" />
        <script src="/portal/assets/htmx.min.js" defer></script>
        <script src="/portal/assets/portal.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          {v.t('skip')}
        </a>
        <header class="top">
          <span class="brand">caseflow</span>
          {v.principal ? (
            <nav aria-label={v.t('nav.label')}>
              <ul>
                {NAV.filter((n) => n.show(v)).map((n) => (
                  <li>
                    <a href={n.href} aria-current={current.startsWith(n.href) ? 'page' : undefined}>
                      {v.t(n.label)}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          <div class="who">
            {v.principal ? (
              <>
                <span>
                  {v.t('signedInAs')} <strong>{v.principal.principal}</strong> (
                  {v.principal.roles.map((r) => v.t(`role.${r}`)).join(', ')})
                </span>
                <form method="post" action="/portal/sign-out" class="inline">
                  <Csrf v={v} />
                  <button type="submit">{v.t('signOut')}</button>
                </form>
              </>
            ) : null}
            <LanguageSwitch v={v} />
          </div>
        </header>
        <main id="main">
          <h1>{title}</h1>
          <div id={ALERT_SLOT} aria-live="assertive"></div>
          {children}
        </main>
      </body>
    </html>
  );
}

/** The outcome of the last form on this page: what went wrong, field by field, as the API says it. */
export function Outcome({ v, outcome, form }: { v: View; outcome?: FormOutcome; form: string }): Html {
  if (!outcome || outcome.form !== form) return <></>;
  return (
    <div class="problem" role="alert" id={`${form}-problem`}>
      <p>
        <strong>{v.t('problem')}</strong> {outcome.message}
      </p>
      {outcome.errors.length > 0 ? (
        <ul>
          {outcome.errors.map((e) => (
            <li>
              <code>{e.path.replace(/^body\./, '')}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Done({ v, done }: { v: View; done: string | undefined }): Html {
  if (!done) return <></>;
  return (
    <p class="done" role="status">
      {v.t('done')} {done}
    </p>
  );
}

/**
 * A form's fields bound to what a refused submission of it sent: `bind(name)` gives a Field its
 * name, the value sent (else `fallback`) and what was wrong with it, so the form comes back as it
 * was left, each refused field saying why. Only the form the outcome belongs to is filled in.
 */
export function binder(form: string, outcome?: FormOutcome, sent?: Record<string, unknown>) {
  const mine = outcome?.form === form;
  return (name: string, fallback?: string) => {
    const messages = mine
      ? outcome.errors.filter((e) => e.path === `body.${name}`).map((e) => e.message)
      : [];
    return {
      name,
      value: (mine ? fieldText(sent, name) : undefined) ?? fallback,
      error: messages.length > 0 ? messages.join('; ') : undefined,
    };
  };
}

/** What binder gives a form: the props of one of its fields. */
export type Bind = ReturnType<typeof binder>;

/** The title and description every new case, escalation and incident starts with. */
export function TitleAndDescription({
  v,
  prefix,
  bind,
  title,
}: {
  v: View;
  /** Of the field ids: `<prefix>-title`, `<prefix>-description`. */
  prefix: string;
  bind: Bind;
  /** The title offered before anything was sent. */
  title?: string;
}): Html {
  return (
    <>
      <Field id={`${prefix}-title`} {...bind('title', title)} label={v.t('field.title')} required />
      <Field
        id={`${prefix}-description`}
        {...bind('description')}
        type="textarea"
        label={v.t('field.description')}
        required
      />
    </>
  );
}

/** Choices whose values read as they are (severities, tiers, enums). */
export const choices = (values: readonly string[]) => values.map((x) => [x, x] as const);

/**
 * A form that posts one command: a fieldset with its legend, the outcome of its last refusal,
 * the CSRF token, the fields and a button (saying the legend again unless `submit` says more).
 */
export function PostForm({
  v,
  action,
  legend,
  submit,
  form,
  outcome,
  id,
  back,
  children,
}: {
  v: View;
  action: string;
  legend: string;
  submit?: string;
  /** Which form of the page this is, for its outcome. */
  form: string;
  outcome?: FormOutcome;
  id?: string;
  /** Where to go after the command, when not to the page it changed. */
  back?: string;
  children?: Child;
}): Html {
  return (
    <form method="post" action={action} id={id}>
      <fieldset>
        <legend>{legend}</legend>
        <Outcome v={v} outcome={outcome} form={form} />
        <Csrf v={v} />
        {back ? <input type="hidden" name="_back" value={back} /> : null}
        {children}
        <button type="submit">{submit ?? legend}</button>
      </fieldset>
    </form>
  );
}

/** A labelled field; `name` is the request field it fills, so the API's error paths point at it. */
export function Field({
  id,
  label,
  name,
  type = 'text',
  value,
  error,
  required,
  hint,
  options,
  rows,
  min,
  max,
}: {
  id: string;
  label: string;
  name: string;
  type?: 'text' | 'textarea' | 'select' | 'number' | 'email';
  value?: string;
  /** Why the value sent was refused, shown with the field. */
  error?: string;
  required?: boolean;
  hint?: string;
  options?: readonly (readonly [string, string])[];
  rows?: number;
  min?: number;
  max?: number;
}): Html {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  const invalid = error ? 'true' : undefined;
  let control: Html;
  if (type === 'textarea') {
    control = (
      <textarea
        id={id}
        name={name}
        rows={rows ?? 3}
        required={required}
        aria-describedby={describedBy}
        aria-invalid={invalid}
      >
        {value ?? ''}
      </textarea>
    );
  } else if (type === 'select') {
    control = (
      <select id={id} name={name} required={required} aria-describedby={describedBy} aria-invalid={invalid}>
        {(options ?? []).map(([optionValue, text]) => (
          <option value={optionValue} selected={optionValue === value}>
            {text}
          </option>
        ))}
      </select>
    );
  } else {
    control = (
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        required={required}
        aria-describedby={describedBy}
        aria-invalid={invalid}
        min={min}
        max={max}
      />
    );
  }
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {control}
      {error ? (
        <small id={errorId} class="field-error">
          {error}
        </small>
      ) : null}
      {hint ? (
        <small id={hintId} class="hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

export function Checkbox({
  id,
  name,
  label,
  checked,
  value = 'on',
}: {
  id: string;
  name: string;
  label: Child;
  checked?: boolean;
  value?: string;
}): Html {
  return (
    <div class="check">
      <input type="checkbox" id={id} name={name} value={value} checked={checked} />
      <label for={id}>{label}</label>
    </div>
  );
}

export function SlaBadgeView({ v, badge }: { v: View; badge: SlaBadge }): Html {
  const left =
    badge.leftMs === null
      ? ''
      : badge.leftMs >= 0
        ? v.t('sla.left', { time: v.fmt.duration(badge.leftMs) })
        : v.t('sla.over', { time: v.fmt.duration(badge.leftMs) });
  return (
    <span class={`badge sla-${badge.state}`}>
      {v.t(`sla.${badge.state}`)}
      {badge.state === 'paused' && badge.pausedFor ? ` (${badge.pausedFor})` : ''}
      {left ? ` · ${left}` : ''}
    </span>
  );
}

/** Time left to an ISO deadline, or how long it is past. */
export function until(v: View, iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso) - v.nowMs;
  return ms >= 0
    ? v.t('sla.left', { time: v.fmt.duration(ms) })
    : v.t('sla.over', { time: v.fmt.duration(ms) });
}

/** One column of a data table: its heading and how a row fills it. */
export interface Column<T> {
  label: string;
  cell: (row: T, index: number) => Child;
  /** The cell that names its row, read out as the row's header. */
  rowHeader?: boolean;
}

/** Every list in the portal: a captioned table with column headings, one row per item. */
export function DataTable<T>({
  id,
  caption,
  columns,
  rows,
}: {
  id?: string;
  caption: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
}): Html {
  return (
    <table id={id}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col">{c.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr>
            {columns.map((c) =>
              c.rowHeader ? <th scope="row">{c.cell(row, i)}</th> : <td>{c.cell(row, i)}</td>,
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface LogRow {
  at: string;
  type: string;
  actor: string;
  reason: string | null;
  text: string;
}

/** When, what, who and details of a log entry: the columns every log and timeline starts with. */
export function logColumns<T extends LogRow>(v: View): Column<T>[] {
  return [
    { label: v.t('col.when'), cell: (e) => v.fmt.dateTime(e.at) },
    { label: v.t('col.what'), cell: (e) => e.type },
    { label: v.t('col.who'), cell: (e) => e.actor },
    { label: v.t('col.details'), cell: (e) => `${e.text}${e.reason ? ` — ${e.reason}` : ''}` },
  ];
}

export function LogTable({
  v,
  entries,
  caption,
}: {
  v: View;
  entries: readonly LogRow[];
  caption: string;
}): Html {
  return <DataTable caption={caption} columns={logColumns(v)} rows={entries} />;
}
