import { describe, expect, it } from 'vitest';
import { CATEGORIES, INFRASTRUCTURE_SUBCATEGORIES, type Category } from '../../src/domain/categories';
import {
  CLASSIFICATION_RULES_VERSION,
  DEFAULT_RULE_SET,
  HINT_WEIGHT,
  MAX_ANALYSED_LENGTH,
  TRIAGE_THRESHOLD,
  classify,
  normaliseText,
  type RuleSet,
} from '../../src/domain/classification';

interface Example {
  readonly language: 'en' | 'sv';
  readonly title: string;
  readonly description?: string;
  readonly subCategory?: string | null;
}

const classifyText = (title: string, description = '', ruleSet?: RuleSet) =>
  classify({ title, description }, ruleSet);

const EXAMPLES: Readonly<Record<Category, readonly Example[]>> = {
  'windows-os': [
    { language: 'sv', title: 'Datorn startar om med blåskärm' },
    { language: 'sv', title: 'Windows-uppdateringen fastnar på 30 %' },
    { language: 'sv', title: 'Startmenyn', description: 'Startmenyn och aktivitetsfältet svarar inte' },
    { language: 'en', title: 'Laptop keeps restarting with a blue screen (stop code CRITICAL_PROCESS_DIED)' },
    { language: 'en', title: 'Windows Update fails with error 0x80070002 every night' },
    { language: 'en', title: 'Cannot log in', description: 'Windows Hello PIN stopped working since Monday' },
  ],
  'microsoft-apps': [
    { language: 'sv', title: 'Outlook kraschar när jag öppnar bilagor', subCategory: 'outlook' },
    { language: 'sv', title: 'Kan inte dela skärmen i Teams-möten', subCategory: 'teams' },
    { language: 'sv', title: 'OneDrive synkar inte mina filer längre', subCategory: 'onedrive' },
    { language: 'sv', title: 'Excel fryser när jag öppnar en stor fil', subCategory: 'excel' },
    {
      language: 'en',
      title: 'Outlook keeps asking for my password',
      description: 'and the inbox does not update',
      subCategory: 'outlook',
    },
    { language: 'en', title: 'Teams crashes when I join a meeting', subCategory: 'teams' },
    { language: 'en', title: "Word document won't open, it says the file is corrupt", subCategory: 'word' },
  ],
  browser: [
    { language: 'sv', title: 'Mina favoriter i Edge har försvunnit' },
    { language: 'sv', title: 'Webbläsaren blockerar ett tillägg som vi behöver', subCategory: 'extensions' },
    { language: 'sv', title: 'Startsidan i webbläsaren har ändrats och popup-fönster dyker upp' },
    { language: 'en', title: 'Edge crashes whenever I open a PDF from a website', subCategory: 'edge' },
    {
      language: 'en',
      title: 'Browser extension for our password manager was removed',
      subCategory: 'extensions',
    },
    {
      language: 'en',
      title: 'All my bookmarks disappeared after the browser update',
      subCategory: 'favourites',
    },
  ],
  device: [
    { language: 'sv', title: 'Batteriet laddar inte när laddaren är ansluten', subCategory: 'battery' },
    { language: 'sv', title: 'Bluetooth-hörlurarna går inte att parkoppla', subCategory: 'bluetooth' },
    { language: 'sv', title: 'Den externa skärmen visas inte när jag dockar datorn', subCategory: 'display' },
    { language: 'sv', title: 'Kameran fungerar inte i något program', subCategory: 'camera' },
    { language: 'en', title: 'Laptop battery drains in an hour', subCategory: 'battery' },
    { language: 'en', title: 'External monitor flickers when connected through the docking station' },
    { language: 'en', title: 'Webcam is not detected by any app', subCategory: 'camera' },
    { language: 'en', title: 'Cannot connect to Wi-Fi at the office', subCategory: 'wifi' },
  ],
  infrastructure: [
    { language: 'sv', title: 'Skrivaren på plan 3 skriver inte ut', subCategory: 'printer' },
    { language: 'sv', title: 'Kommer inte åt VPN hemifrån', subCategory: 'vpn' },
    { language: 'sv', title: 'Nätverksskrivaren på plan 2 är offline', subCategory: 'printer' },
    {
      language: 'sv',
      title: 'Grafikdrivrutinen behöver uppdateras efter ominstallation',
      subCategory: 'driver',
    },
    {
      language: 'en',
      title: 'Printer on 3rd floor shows paper jam but no paper is stuck',
      subCategory: 'printer',
    },
    {
      language: 'en',
      title: 'Cannot connect to the VPN from home',
      description: 'GlobalProtect says the gateway is unreachable.',
      subCategory: 'vpn',
    },
    { language: 'en', title: 'Need the latest printer driver for the HP LaserJet', subCategory: 'driver' },
  ],
  'line-of-business-app': [
    { language: 'sv', title: 'Affärssystemet går inte att starta efter uppdatering' },
    { language: 'sv', title: 'Får felmeddelande när jag loggar in i verksamhetssystemet' },
    { language: 'sv', title: 'Tidrapporteringen i Visma fungerar inte' },
    { language: 'en', title: 'SAP GUI freezes when I post an invoice' },
    { language: 'en', title: 'Our in-house app for order handling shows a login error' },
    { language: 'en', title: 'The line-of-business application crashes on start' },
  ],
  hardware: [
    { language: 'sv', title: 'Skärmen på min laptop är sprucken' },
    { language: 'sv', title: 'Tangentbordet är trasigt, flera tangenter har lossnat' },
    {
      language: 'sv',
      title: 'Datorn går inte igång',
      description: 'Inget händer när jag trycker på strömknappen.',
    },
    { language: 'sv', title: 'Jag spillde kaffe på datorn' },
    { language: 'en', title: 'Laptop screen is cracked after I dropped it' },
    { language: 'en', title: 'My laptop won’t turn on even when plugged in' },
    { language: 'en', title: 'Keyboard is broken, several keys fell off' },
  ],
  'managed-desktop-service': [
    { language: 'sv', title: 'Appen blockeras av en policy från organisationen', subCategory: 'policy' },
    {
      language: 'sv',
      title: 'BitLocker frågar efter återställningsnyckel vid varje start',
      subCategory: 'bitlocker',
    },
    {
      language: 'sv',
      title: 'Kan inte ändra inställningen',
      description: 'Den är nedtonad: "Vissa inställningar hanteras av din organisation"',
      subCategory: 'policy',
    },
    { language: 'sv', title: 'Datorn flaggas som inte kompatibel i Intune', subCategory: 'policy' },
    {
      language: 'en',
      title: 'Device marked as non-compliant by the compliance policy',
      subCategory: 'policy',
    },
    { language: 'en', title: 'This setting is managed by your organization and I cannot change it' },
    { language: 'en', title: 'Need local admin rights to install a tool', subCategory: 'elevation' },
    { language: 'en', title: 'My device is in the wrong update ring', subCategory: 'update-rings' },
  ],
  'other-microsoft': [
    { language: 'sv', title: 'Power BI-rapporten uppdateras inte', subCategory: 'power-platform' },
    { language: 'sv', title: 'Licensen för Microsoft 365 har gått ut', subCategory: 'licensing' },
    { language: 'sv', title: 'Får inte åtkomst till Azure-portalen', subCategory: 'azure' },
    { language: 'en', title: 'Dynamics 365 Business Central is very slow today', subCategory: 'dynamics' },
    { language: 'en', title: 'Cannot sign in to the Azure portal', subCategory: 'azure' },
    { language: 'en', title: 'Need a Power Automate flow license for my team' },
  ],
};

const ALL_EXAMPLES = Object.entries(EXAMPLES).flatMap(([category, examples]) =>
  examples.map((example) => ({ category, ...example })),
);

const AMBIGUOUS_TEXTS = ['Outlook och skrivaren fungerar inte', 'Teams and the VPN both stopped working'];
const NO_MATCH_TEXTS = ['', '   ', 'Hej!', 'Det funkar inte', 'Help please, urgent!!', 'Forgot my password'];

describe('classify: realistic end-user texts', () => {
  it.each(CATEGORIES)('has at least two English and two Swedish examples for %s', (category) => {
    const languages = EXAMPLES[category].map((example) => example.language);
    expect(languages.filter((language) => language === 'en').length).toBeGreaterThanOrEqual(2);
    expect(languages.filter((language) => language === 'sv').length).toBeGreaterThanOrEqual(2);
  });

  it.each(ALL_EXAMPLES)(
    '[$language] "$title" → $category',
    ({ category, title, description, subCategory }) => {
      const result = classifyText(title, description);

      expect(result.category).toBe(category);
      expect(result.needsTriage).toBe(false);
      expect(result.confidence).toBeGreaterThanOrEqual(TRIAGE_THRESHOLD);
      expect(result.rules.length).toBeGreaterThan(0);
      expect(result.rules[0]?.startsWith(`${category}.`)).toBe(true);
      if (subCategory !== undefined) expect(result.subCategory).toBe(subCategory);
    },
  );
});

describe('classify: infrastructure sub-categories', () => {
  it.each([
    ['Skrivaren skriver ut tomma sidor', 'printer'],
    ['Pappersstopp i kopiatorn vid receptionen', 'printer'],
    ['Print queue is stuck with 40 jobs', 'printer'],
    ['Skrivardrivrutinen går inte att installera', 'driver'],
    ['Okänd enhet i Enhetshanteraren efter dockning', 'driver'],
    ['Display driver keeps crashing', 'driver'],
    ['VPN-klienten kopplar ner var tionde minut', 'vpn'],
    ['AnyConnect cannot reach the gateway', 'vpn'],
    ['Fjärråtkomst fungerar inte sedan i går', 'vpn'],
  ])('"%s" → infrastructure/%s', (title, subCategory) => {
    const result = classifyText(title);

    expect(result.category).toBe('infrastructure');
    expect(result.subCategory).toBe(subCategory);
    expect(INFRASTRUCTURE_SUBCATEGORIES).toContain(result.subCategory);
  });

  it('leaves the sub-category empty when only rules without one matched', () => {
    const result = classifyText('Nätverksenheten G: saknas efter inloggning');

    expect(result.category).toBe('infrastructure');
    expect(result.subCategory).toBeNull();
  });
});

describe('classify: normalisation and Swedish word forms', () => {
  it.each([
    'skrivare',
    'skrivaren',
    'skrivarna',
    'skrivarens',
    'nätverksskrivaren',
    'färgskrivarna',
    'SKRIVAREN',
    'natverksskrivaren',
  ])('recognises the printer in "%s"', (word) => {
    expect(classifyText(`${word} fungerar inte`).subCategory).toBe('printer');
  });

  it('accepts ASCII spellings of å, ä and ö', () => {
    expect(classifyText('Datorn startar om med blaskarm').category).toBe('windows-os');
    expect(classifyText('Atkomst till VPN hemifran').rules).toEqual([
      'infrastructure.vpn',
      'infrastructure.remote-work',
    ]);
  });

  it('folds full-width characters, ligatures and typographic punctuation', () => {
    expect(classifyText('ＶＰＮ fungerar inte').category).toBe('infrastructure');
    expect(classifyText('My laptop won’t turn on').category).toBe('hardware');
    expect(classifyText('Ny e‐postadress syns inte').subCategory).toBe('outlook');
  });

  it('treats a hyphen in a pattern as optional', () => {
    for (const spelling of ['e-post', 'epost', 'e post']) {
      expect(classifyText(`Får ingen ${spelling} sedan i morse`).subCategory).toBe('outlook');
    }
  });

  it('keeps å, ä and ö but drops other accents', () => {
    expect(normaliseText('Åsa Ängström Öberg')).toBe('åsa ängström öberg');
    expect(normaliseText('Café Zürich')).toBe('cafe zurich');
    expect(normaliseText('Ærø')).toBe('ärö');
  });

  it('matches plain words as whole words only', () => {
    expect(classifyText('Forgot my password').category).toBe('unclassified');
    expect(classifyText('Musiken hackar').category).toBe('unclassified');
    expect(classifyText('Teamwork is great').category).toBe('unclassified');
  });

  it('lets a more specific phrase claim words that a generic rule would also match', () => {
    const blueScreen = classifyText('Blue screen right after login');
    expect(blueScreen.rules).toEqual(['windows-os.bluescreen']);

    const screenshot = classifyText('Print screen-knappen gör ingenting');
    expect(screenshot.category).toBe('windows-os');
    expect(screenshot.rules).not.toContain('infrastructure.printer');

    const dynamicsCrm = classifyText('Dynamics CRM is slow');
    expect(dynamicsCrm.rules).toEqual(['other-microsoft.dynamics']);
  });

  it('does not read an app that will not start as a hardware fault', () => {
    expect(classifyText('Outlook går inte att starta').category).toBe('microsoft-apps');
  });

  it('routes physical damage to hardware even when the device part is named', () => {
    expect(classifyText('Batteriet är svullet').category).toBe('hardware');
    expect(classifyText('Svullet batteri i min laptop').rules).not.toContain('device.battery');
    expect(classifyText('Batteriet laddar inte').category).toBe('device');
  });
});

describe('classify: long texts', () => {
  it('ignores evidence beyond the analysed length', () => {
    const filler = 'lorem ipsum '.repeat(MAX_ANALYSED_LENGTH / 12 + 1);

    expect(classifyText('Outlook kraschar', filler + 'skrivaren').rules).toEqual(['microsoft-apps.outlook']);
  });

  it('classifies a pasted log of a megabyte from its analysed prefix', () => {
    const log = 'vpn '.repeat(250_000);

    expect(classifyText('Loggfil', log)).toMatchObject({ category: 'infrastructure', subCategory: 'vpn' });
  });
});

describe('classify: ambiguity and no match', () => {
  it.each(AMBIGUOUS_TEXTS)('gives low confidence and triage to "%s"', (title) => {
    const result = classifyText(title);

    expect(result.needsTriage).toBe(true);
    expect(result.confidence).toBeLessThan(TRIAGE_THRESHOLD);
    expect(result.rules).toHaveLength(2);
  });

  it('is less confident when a second category competes', () => {
    const clear = classifyText('Outlook kraschar när jag öppnar bilagor');
    const contested = classifyText('Outlook kraschar när jag öppnar bilagor och skrivaren skriver inte ut');

    expect(contested.category).toBe('microsoft-apps');
    expect(contested.confidence).toBeLessThan(clear.confidence);
  });

  it('is more confident as evidence for one category accumulates', () => {
    const one = classifyText('Outlook fungerar inte');
    const two = classifyText('Outlook fungerar inte', 'Inkorgen uppdateras inte');

    expect(two.confidence).toBeGreaterThan(one.confidence);
  });

  it('sends weak evidence alone to triage', () => {
    const result = classifyText('Webbläsaren beter sig konstigt');

    expect(result.category).toBe('browser');
    expect(result.needsTriage).toBe(true);
  });

  it.each(NO_MATCH_TEXTS)('classifies "%s" as unclassified', (title) => {
    expect(classifyText(title)).toEqual({
      category: 'unclassified',
      subCategory: null,
      confidence: 0,
      rules: [],
      rulesVersion: CLASSIFICATION_RULES_VERSION,
      needsTriage: true,
    });
  });

  it('keeps every confidence within 0..1 with at most two decimals', () => {
    const texts = [...ALL_EXAMPLES.map((example) => example.title), ...AMBIGUOUS_TEXTS, ...NO_MATCH_TEXTS];
    for (const text of texts) {
      const { confidence } = classifyText(text);
      expect(confidence).toBeGreaterThanOrEqual(0);
      expect(confidence).toBeLessThanOrEqual(1);
      expect(Math.round(confidence * 100) / 100).toBe(confidence);
    }
  });

  it('never reaches full confidence however much evidence piles up', () => {
    const result = classifyText(
      'Outlook kraschar',
      'Inkorgen, kalendern och bilagor i Outlook fungerar inte. Teams och Excel kraschar också.',
    );
    expect(result.category).toBe('microsoft-apps');
    expect(result.confidence).toBeLessThan(1);
    expect(result.confidence).toBeGreaterThan(0.75);
  });
});

describe('classify: category hint', () => {
  const weakBrowserText = { title: 'Webbläsaren beter sig konstigt', description: '' };
  const strongAppText = { title: 'Outlook kraschar när jag öppnar bilagor', description: '' };

  it('lifts weak text evidence for the same category above the threshold', () => {
    const result = classify({ ...weakBrowserText, categoryHint: 'browser' });

    expect(result.category).toBe('browser');
    expect(result.needsTriage).toBe(false);
    expect(result.confidence).toBeGreaterThan(classify(weakBrowserText).confidence);
  });

  it('does not override strong text evidence, but lowers the confidence', () => {
    const withoutHint = classify(strongAppText);
    const withHint = classify({ ...strongAppText, categoryHint: 'hardware' });

    expect(withHint.category).toBe('microsoft-apps');
    expect(withHint.subCategory).toBe('outlook');
    expect(withHint.confidence).toBeLessThan(withoutHint.confidence);
  });

  it('never outvotes a single strong rule', () => {
    const result = classify({ title: 'Skrivaren skriver inte ut', description: '', categoryHint: 'device' });

    expect(result.category).toBe('infrastructure');
    expect(result.needsTriage).toBe(true);
  });

  it('breaks a tie between two equally present categories without making it confident', () => {
    const result = classify({
      title: 'Outlook och skrivaren fungerar inte',
      description: '',
      categoryHint: 'infrastructure',
    });

    expect(result.category).toBe('infrastructure');
    expect(result.needsTriage).toBe(true);
  });

  it('alone yields the hinted category for triage, with no rules', () => {
    const result = classify({ title: 'Hjälp', description: 'Ring mig', categoryHint: 'browser' });

    expect(result).toEqual({
      category: 'browser',
      subCategory: null,
      confidence: 0.44,
      rules: [],
      rulesVersion: CLASSIFICATION_RULES_VERSION,
      needsTriage: true,
    });
    expect(HINT_WEIGHT).toBeGreaterThan(0);
  });

  it('tolerates case and surrounding whitespace', () => {
    expect(classify({ title: 'Hjälp', description: '', categoryHint: '  Browser ' }).category).toBe(
      'browser',
    );
  });

  it.each(['not-a-category', 'unclassified', '', 'Skrivare'])(
    'ignores the invalid hint "%s"',
    (categoryHint) => {
      const withHint = classify({ ...weakBrowserText, categoryHint });
      expect(withHint).toEqual(classify(weakBrowserText));
    },
  );
});

describe('classify: reported rules and version', () => {
  it('reports the ids of the matched rules, best first', () => {
    expect(classifyText('Datorn startar om med blåskärm').rules).toEqual([
      'windows-os.bluescreen',
      'windows-os.startup',
    ]);
  });

  it('lists the winning category’s rules before the runner-up’s', () => {
    const result = classifyText('Outlook kraschar när jag öppnar bilagor och skrivaren skriver inte ut');

    expect(result.rules).toEqual(['microsoft-apps.outlook', 'microsoft-apps.mail', 'infrastructure.printer']);
  });

  it('picks the sub-category with the most weight in the winning category', () => {
    const result = classifyText('Teams-kalendern visar inte mina möten');

    expect(result.category).toBe('microsoft-apps');
    expect(result.subCategory).toBe('teams');
  });

  it('reports the rule set version', () => {
    expect(classifyText('Kommer inte åt VPN hemifrån').rulesVersion).toBe(CLASSIFICATION_RULES_VERSION);
    expect(DEFAULT_RULE_SET.version).toBe(CLASSIFICATION_RULES_VERSION);
    expect(CLASSIFICATION_RULES_VERSION).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
  });

  it('is deterministic', () => {
    const input = { title: 'Outlook och skrivaren fungerar inte', description: 'Sedan i går.' };
    expect(classify(input)).toEqual(classify(input));
  });
});

describe('rule data', () => {
  const roundTripped = JSON.parse(JSON.stringify(DEFAULT_RULE_SET)) as RuleSet;

  it('is plain JSON data', () => {
    expect(roundTripped).toEqual(DEFAULT_RULE_SET);
  });

  it('classifies identically after a JSON round trip', () => {
    const texts = [...ALL_EXAMPLES.map((example) => example.title), ...AMBIGUOUS_TEXTS, ...NO_MATCH_TEXTS];
    for (const text of texts) {
      expect(classifyText(text, '', roundTripped)).toEqual(classifyText(text));
    }
  });

  it('has unique, readable ids prefixed with their category', () => {
    const ids = DEFAULT_RULE_SET.rules.map((rule) => rule.id);

    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of DEFAULT_RULE_SET.rules) {
      expect(rule.id).toMatch(/^[a-z-]+\.[a-z0-9-]+$/);
      expect(rule.id.startsWith(`${rule.category}.`)).toBe(true);
      expect(rule.weight).toBeGreaterThan(0);
      expect(rule.patterns.length).toBeGreaterThan(0);
    }
  });

  it('covers every category', () => {
    const covered = new Set(DEFAULT_RULE_SET.rules.map((rule) => rule.category));
    expect([...covered].sort()).toEqual([...CATEGORIES].sort());
  });

  it('uses only the known infrastructure sub-categories', () => {
    const infrastructureSubCategories: readonly (string | undefined)[] = [
      ...INFRASTRUCTURE_SUBCATEGORIES,
      undefined,
    ];
    for (const rule of DEFAULT_RULE_SET.rules.filter((r) => r.category === 'infrastructure')) {
      expect(infrastructureSubCategories).toContain(rule.subCategory);
    }
  });
});

describe('classify: custom rule sets', () => {
  const customerRuleSet: RuleSet = {
    version: 'acme-2026-12-01.1',
    rules: [
      {
        id: 'line-of-business-app.kassapro',
        category: 'line-of-business-app',
        subCategory: 'kassapro',
        weight: 3,
        patterns: ['kassapro*', 'kassa pro'],
      },
    ],
  };

  it('classifies with a customer’s own application names and reports their version', () => {
    const result = classifyText('KassaPro hänger sig vid dagsavslut', '', customerRuleSet);

    expect(result).toMatchObject({
      category: 'line-of-business-app',
      subCategory: 'kassapro',
      rules: ['line-of-business-app.kassapro'],
      rulesVersion: 'acme-2026-12-01.1',
      needsTriage: false,
    });
  });

  const validRule = customerRuleSet.rules[0]!;
  it.each([
    ['an unknown category', { ...validRule, category: 'printers' }],
    ['a non-positive weight', { ...validRule, weight: 0 }],
    ['no patterns', { ...validRule, patterns: [] }],
    ['a lone wildcard', { ...validRule, patterns: ['*'] }],
    ['a wildcard inside a word', { ...validRule, patterns: ['kas*pro'] }],
    [
      'an unknown infrastructure sub-category',
      { ...validRule, category: 'infrastructure', subCategory: 'wifi' },
    ],
  ])('rejects a rule with %s', (_problem, rule) => {
    const ruleSet = { version: 'broken-1', rules: [rule] } as unknown as RuleSet;
    expect(() => classifyText('KassaPro', '', ruleSet)).toThrow(/Invalid classification rule set/);
  });

  it('rejects duplicate rule ids', () => {
    const ruleSet: RuleSet = { version: 'broken-2', rules: [validRule, validRule] };
    expect(() => classifyText('KassaPro', '', ruleSet)).toThrow(/not unique/);
  });

  it('reads punctuation in patterns and text as word breaks, never as regular-expression syntax', () => {
    const ruleSet: RuleSet = {
      version: 'punctuation-1',
      rules: [
        { id: 'other-microsoft.dotnet', category: 'other-microsoft', weight: 3, patterns: ['.net (core)'] },
      ],
    };

    expect(classifyText('Fel i .NET (Core) runtime', '', ruleSet).category).toBe('other-microsoft');
    expect(classifyText('xnet core', '', ruleSet).category).toBe('unclassified');
  });
});
