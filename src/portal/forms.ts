/**
 * HTML forms send flat strings; the API's schemas take JSON. This turns a form into the JSON the
 * matching API request would carry, so the same schema validates both and its messages (and
 * field paths: inputs are named by the dotted path of the field they fill) come back unchanged.
 */
export interface FormShape {
  /** A checkbox: present means true, absent false. */
  checkboxes?: readonly string[];
  /** "true" / "false" from radio buttons or selects. */
  booleans?: readonly string[];
  /** An empty input means null rather than absent. */
  nullable?: readonly string[];
  numbers?: readonly string[];
  /** Repeated inputs (checkbox groups): always an array. */
  arrays?: readonly string[];
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (part === '__proto__' || part === 'constructor' || part === 'prototype') return;
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (last === undefined || last === '__proto__' || last === 'constructor' || last === 'prototype') return;
  node[last] = value;
}

export function formToJson(form: Record<string, unknown>, shape: FormShape = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const has = (list: readonly string[] | undefined, name: string) => list?.includes(name) ?? false;
  for (const [name, raw] of Object.entries(form)) {
    // Underscored fields belong to the portal (CSRF token, idempotency key, return path).
    if (name.startsWith('_') || !/^[A-Za-z][A-Za-z0-9.]*$/.test(name)) continue;
    if (has(shape.checkboxes, name)) continue;
    if (has(shape.arrays, name)) {
      setPath(out, name, (Array.isArray(raw) ? raw : [raw]).map(String));
      continue;
    }
    const value = Array.isArray(raw) ? String(raw[raw.length - 1]) : String(raw);
    if (value.trim() === '') {
      if (has(shape.nullable, name)) setPath(out, name, null);
      continue;
    }
    if (has(shape.booleans, name))
      setPath(out, name, value === 'true' ? true : value === 'false' ? false : value);
    else if (has(shape.numbers, name))
      setPath(out, name, Number.isFinite(Number(value)) ? Number(value) : value);
    else setPath(out, name, value);
  }
  for (const name of shape.checkboxes ?? []) setPath(out, name, form[name] !== undefined);
  for (const name of shape.arrays ?? []) if (form[name] === undefined) setPath(out, name, []);
  return out;
}

/** A form field as text, for re-filling a form after a refusal. */
export const fieldText = (form: Record<string, unknown> | undefined, name: string): string | undefined => {
  const value = form?.[name];
  return typeof value === 'string' ? value : undefined;
};
