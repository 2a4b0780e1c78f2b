import type { Attributes, Html } from './jsx';

declare global {
  namespace JSX {
    type Element = Html;
    interface IntrinsicElements {
      [element: string]: Attributes;
    }
    interface ElementChildrenAttribute {
      children: unknown;
    }
  }
}
