import { describe, expect, it } from 'vitest';
import { incidentRequestSchema } from '../../src/api/escalations';
import { singleLineText } from '../../src/schemas/case-schema';
import { elevationRequestSchema } from '../../src/schemas/elevation-schema';
import { escalationRequestSchema } from '../../src/schemas/escalation-schema';
import { unsafeCharacter, unsafeInLine } from '../../src/domain/text';

const swedish = 'Skrivaren på plan 3 skriver inte ut – Åsa Öberg, Ängelholm';

describe('text fields', () => {
  it('keep Swedish, in composed and decomposed form, emoji with joiners, and bidi marks', () => {
    expect(unsafeCharacter(swedish)).toBeUndefined();
    expect(unsafeInLine(swedish.normalize('NFD'))).toBeUndefined();
    expect(unsafeCharacter('Familjen 👨‍👩‍👧 och 🇸🇪')).toBeUndefined();
    expect(unsafeCharacter('שלום \u200f world \u200e')).toBeUndefined();
    expect(unsafeCharacter('rad ett\nrad två\r\n\tindrag')).toBeUndefined();
  });

  it('refuse NUL, other control characters and C1 controls anywhere', () => {
    expect(unsafeCharacter('a\u0000b')).toBe('NUL (U+0000)');
    expect(unsafeCharacter('bell\u0007')).toBe('a control character');
    expect(unsafeCharacter('esc\u001b[31m')).toBe('a control character');
    expect(unsafeCharacter('del\u007f')).toBe('a control character');
    expect(unsafeCharacter('c1\u0085')).toBe('a C1 control character');
  });

  it('refuse bidirectional overrides and isolates, which reorder what a reader sees', () => {
    for (const c of [
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    ]) {
      expect(unsafeCharacter(`invoice${c}fdp.exe`)).toMatch(/bidirectional/);
    }
  });

  it('refuse unpaired surrogates and noncharacters, but not paired surrogates', () => {
    expect(unsafeCharacter('half \ud83d of an emoji')).toMatch(/surrogate/);
    expect(unsafeCharacter('\ude00 low half')).toMatch(/surrogate/);
    expect(unsafeCharacter('\ud83d\ude00')).toBeUndefined();
    expect(unsafeCharacter('x\uffff')).toMatch(/noncharacter/);
  });

  it('single-line fields also refuse line breaks, tabs and invisible characters', () => {
    expect(unsafeInLine('two\nlines')).toBe('a line break or tab');
    expect(unsafeInLine('tab\there')).toBe('a line break or tab');
    expect(unsafeInLine('Anna\u200bBerg')).toMatch(/invisible/);
    expect(unsafeInLine('\ufeffAnna')).toMatch(/invisible/);
    expect(unsafeInLine('Anna\u0000')).toBe('NUL (U+0000)');
  });

  it('singleLineText trims, bounds and explains a refusal', () => {
    const schema = singleLineText(3, 20);
    expect(schema.parse('  Åsa Öberg  ')).toBe('Åsa Öberg');
    const refused = schema.safeParse('Åsa\u202eÖberg');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/one line without a bidirectional/);
    expect(schema.safeParse('ab').success).toBe(false);
  });

  it('titles, categories, ticket ids and contacts of elevations, escalations and incidents are single-line', () => {
    const elevation = {
      ticketId: 'HD-1',
      deviceSerial: 'PF3ABC12',
      category: 'Skrivare',
      title: 'Skrivardrivrutin på plan 3',
      planOfAction: 'Uppdatera drivrutinen i Enhetshanteraren.',
      actions: ['device-manager'],
    };
    expect(elevationRequestSchema.safeParse(elevation).success).toBe(true);
    const issueOf = (schema: typeof elevationRequestSchema | typeof escalationRequestSchema, body: unknown) =>
      schema.safeParse(body).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issueOf(elevationRequestSchema, { ...elevation, title: 'Skrivar\u200bdrivrutin' })).toEqual([
      expect.stringMatching(/^title: must be one line without an invisible character/),
    ]);
    expect(issueOf(elevationRequestSchema, { ...elevation, ticketId: 'HD-1\nHD-2' })).toEqual([
      expect.stringMatching(/^ticketId: must be one line without a line break/),
    ]);
    expect(issueOf(elevationRequestSchema, { ...elevation, category: 'Skriv\u202eare' })).toEqual([
      expect.stringMatching(/^category: .*bidirectional/),
    ]);
    const escalation = {
      requestType: 'incident',
      category: 'devices',
      subCategory: 'Skrivare',
      title: 'Skrivaren skriver inte',
      description: 'Skrivaren på plan 3 skriver inte ut sedan i måndags.',
      contact: 'asa.oberg@example.se',
    };
    expect(escalationRequestSchema.safeParse(escalation).success).toBe(true);
    expect(issueOf(escalationRequestSchema, { ...escalation, subCategory: 'Skrivare\r\n' + 'x' })).toEqual([
      expect.stringMatching(/^subCategory: must be one line without a line break/),
    ]);
    expect(issueOf(escalationRequestSchema, { ...escalation, contact: 'asa\u2060@example.se' })).toEqual([
      expect.stringMatching(/^contact: must be one line without an invisible character/),
    ]);
    // Descriptions are free text: several lines are fine there.
    expect(
      escalationRequestSchema.safeParse({ ...escalation, description: 'Rad ett.\nRad två.' }).success,
    ).toBe(true);
    const incident = { title: 'Skrivare\tplan 3', description: 'Flera användare berörs.', severity: 'B' };
    const refused = incidentRequestSchema.safeParse({ ...incident, caseIds: [crypto.randomUUID()] });
    expect(refused.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      expect.stringMatching(/^title: must be one line without a line break or tab/),
    ]);
  });
});
