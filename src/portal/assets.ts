import { readFileSync } from 'node:fs';

/**
 * The portal's static files. The stylesheet and the small script are kept here as strings so a
 * build carries them without a copy step; htmx is served from its npm package, never a CDN.
 */

export const STYLESHEET = `
:root { --fg:#1d232b; --muted:#4a5561; --bg:#fff; --line:#c7ced6; --accent:#0b57a4; --ok:#1d6b32;
  --warn:#8a5300; --bad:#a4161a; --paused:#44516a; font-family: system-ui, sans-serif; color:var(--fg); }
body { margin:0; background:var(--bg); line-height:1.45; }
.skip { position:absolute; left:-999px; } .skip:focus { left:1rem; top:1rem; background:#fff; padding:.5rem; z-index:2; }
.top { display:flex; flex-wrap:wrap; gap:1rem; align-items:center; padding:.5rem 1rem; border-bottom:1px solid var(--line); background:#f4f6f8; }
.brand { font-weight:700; }
.top nav ul { list-style:none; display:flex; flex-wrap:wrap; gap:.75rem; margin:0; padding:0; }
.top a[aria-current=page] { font-weight:700; text-decoration-thickness:3px; }
.who { margin-left:auto; display:flex; gap:.5rem; align-items:center; flex-wrap:wrap; }
main { padding:1rem; max-width:72rem; }
a { color:var(--accent); }
:focus-visible { outline:3px solid #f2a900; outline-offset:2px; }
table { border-collapse:collapse; width:100%; margin:.5rem 0 1rem; }
caption { text-align:left; font-weight:600; padding:.25rem 0; }
th, td { border-bottom:1px solid var(--line); padding:.35rem .5rem; text-align:left; vertical-align:top; }
form { margin:.5rem 0; } form.inline { display:inline; margin:0; }
fieldset { border:1px solid var(--line); padding:.5rem .75rem; margin:.5rem 0; }
.field { display:flex; flex-direction:column; margin:.4rem 0; max-width:40rem; }
.field label, legend { font-weight:600; }
input, select, textarea, button { font:inherit; padding:.3rem .45rem; border:1px solid #6b7785; border-radius:3px; }
button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; }
.who button, .top form button { background:#fff; color:var(--accent); }
.hint { color:var(--muted); }
.check { margin:.25rem 0; }
.badge { display:inline-block; padding:.05rem .4rem; border-radius:3px; border:1px solid; font-size:.9em; }
.sla-on-track { color:var(--ok); } .sla-at-risk { color:var(--warn); } .sla-breached { color:var(--bad); font-weight:700; }
.sla-paused { color:var(--paused); } .sla-none { color:var(--muted); }
.level-allowed { color:var(--ok); } .level-not-recommended { color:var(--warn); } .level-unsupported { color:var(--bad); }
.problem { border:2px solid var(--bad); padding:.5rem .75rem; margin:.5rem 0; }
.field-error { color:var(--bad); font-weight:600; } [aria-invalid=true] { border:2px solid var(--bad); }
.done { border:2px solid var(--ok); padding:.5rem .75rem; }
.grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(20rem, 1fr)); gap:0 1.5rem; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; } dl.facts dt { font-weight:600; }
.secret { font-family:ui-monospace, monospace; font-size:1.2em; padding:.2rem .4rem; border:1px dashed var(--line); }
`;

/** Copy-to-clipboard for revealed passwords and clearing the alert slot; everything else works without script. */
export const SCRIPT = `
document.addEventListener('DOMContentLoaded', function () { enableCopy(document); });
document.addEventListener('htmx:afterSwap', function (e) { enableCopy(e.target); });
// A refusal's message stays in the alert slot until a later request goes through.
document.addEventListener('htmx:afterRequest', function (e) {
  var alert = document.getElementById('portal-alert');
  if (alert && e.detail.successful) alert.textContent = '';
});
function enableCopy(root) {
  root.querySelectorAll('[data-copy]').forEach(function (b) { b.hidden = false; });
}
document.addEventListener('click', function (e) {
  var button = e.target.closest && e.target.closest('[data-copy]');
  if (!button) return;
  var source = document.getElementById(button.getAttribute('data-copy'));
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = button.getAttribute('data-copied') || 'Copied';
    });
  }
});
`;

let htmx: string | undefined;
export function htmxScript(): string {
  htmx ??= readFileSync(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8');
  return htmx;
}
