/**
 * What text a case may carry. Support cases hold people's own words, in Swedish and any other
 * language, so letters, marks, emoji (with their zero-width joiners) and the left-to-right and
 * right-to-left marks stay. Refused everywhere are characters that only ever hide or disguise
 * text: control characters (NUL included; tab, line feed and carriage return excepted), the
 * bidirectional embeddings, overrides and isolates that reorder what a reader sees (the "Trojan
 * Source" trick), unpaired surrogates (not text; they turn into U+FFFD on the way to storage) and
 * the noncharacters U+FFFE/U+FFFF. Single-line fields (titles, names, ids) also refuse line
 * breaks, tabs and invisible zero-width characters, which make two different values look alike.
 */

/* eslint-disable no-control-regex -- finding control characters is the point of these patterns */
const FORBIDDEN: readonly [RegExp, string][] = [
  [/\u0000/u, 'NUL (U+0000)'],
  [/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/u, 'a control character'],
  [/[\u0080-\u009f]/u, 'a C1 control character'],
  [
    /[\u202a-\u202e\u2066-\u2069]/u,
    'a bidirectional override, embedding or isolate (U+202A-U+202E, U+2066-U+2069)',
  ],
  [/[\ufffe\uffff]/u, 'a noncharacter (U+FFFE, U+FFFF)'],
];
/* eslint-enable no-control-regex */

// Without the u flag, so the pattern sees UTF-16 code units and can find a half of a pair alone.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a text is not acceptable anywhere, or undefined when it is. */
export function unsafeCharacter(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'an unpaired surrogate (not a Unicode character)';
  for (const [pattern, name] of FORBIDDEN) if (pattern.test(text)) return name;
  return undefined;
}

const LINE_BREAK_OR_TAB = /[\t\n\r\u0085\u2028\u2029]/u;
/** Zero-width space, word joiner, byte-order mark and soft hyphen: nothing to see, much to confuse. */
const INVISIBLE = /[\u200b\u2060\ufeff\u00ad]/u;

/** Why a text is not acceptable in a single-line field, or undefined when it is. */
export function unsafeInLine(text: string): string | undefined {
  const anywhere = unsafeCharacter(text);
  if (anywhere) return anywhere;
  if (LINE_BREAK_OR_TAB.test(text)) return 'a line break or tab';
  if (INVISIBLE.test(text))
    return 'an invisible character (zero-width space, word joiner, BOM or soft hyphen)';
  return undefined;
}
