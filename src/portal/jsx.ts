/**
 * A small JSX runtime that renders straight to HTML strings. Every string child and attribute
 * value is escaped; markup enters only as `Html` values built by this runtime (or `trustedHtml`
 * for fixed fragments written in this code base), so text from a case can never become markup.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Child = Html | string | number | boolean | null | undefined | readonly Child[];
export type Attributes = Record<string, unknown> & { children?: Child };
type Component<P> = (props: P & { children?: Child }) => Html;

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const NAME = /^[a-zA-Z][a-zA-Z0-9:-]*$/;

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** For fixed markup of this code base only (a doctype); never for anything that came in. */
export const trustedHtml = (value: string): Html => new Html(value);

function renderChild(child: Child): string {
  if (child === null || child === undefined || child === false || child === true) return '';
  if (child instanceof Html) return child.value;
  if (Array.isArray(child)) return (child as readonly Child[]).map(renderChild).join('');
  return escapeHtml(String(child));
}

function renderAttributes(props: Record<string, unknown>): string {
  let out = '';
  for (const [name, value] of Object.entries(props)) {
    if (name === 'children' || value === undefined || value === null || value === false) continue;
    // Development transforms add __source and __self for debugging; they are not attributes.
    if (name === '__source' || name === '__self') continue;
    if (!NAME.test(name)) throw new Error(`not an attribute name: ${name}`);
    const attribute = name === 'className' ? 'class' : name;
    if (value === true) out += ` ${attribute}`;
    else if (typeof value === 'string' || typeof value === 'number')
      out += ` ${attribute}="${escapeHtml(String(value))}"`;
    else throw new Error(`attribute ${name} must be a string, number or boolean`);
  }
  return out;
}

export function h<P>(
  tag: string | Component<P>,
  props: (P & Record<string, unknown>) | null,
  ...children: Child[]
): Html {
  if (typeof tag === 'function') {
    const given = props ?? ({} as P);
    return tag({ ...given, children: children.length <= 1 ? children[0] : children });
  }
  if (!NAME.test(tag)) throw new Error(`not an element name: ${tag}`);
  const attributes = renderAttributes(props ?? {});
  if (VOID.has(tag)) return new Html(`<${tag}${attributes}>`);
  return new Html(`<${tag}${attributes}>${renderChild(children)}</${tag}>`);
}

export function Fragment(props: { children?: Child }): Html {
  return new Html(renderChild(props.children));
}

/** A whole document. */
export const renderDocument = (root: Html): string => `<!doctype html>\n${root.value}`;
