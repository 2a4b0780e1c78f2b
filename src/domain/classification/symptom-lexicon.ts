/*
 * Symptom concepts: English and Swedish words for the same thing ("sound", "ljud", "hörlurar"),
 * folded into one feature (`s:audio`) the model weighs like any other. A Swedish ticket then
 * learns from English ones and the reverse, and a synonym the corpus never used still lands on a
 * concept the model knows. Concepts say what a ticket is about, never which category it is in:
 * the weights the model learns decide that, so a concept is evidence, not a rule.
 *
 * Matching is on folded words (å/ä → a, ö → o): a stem of five letters or more matches anywhere
 * in a word (Swedish compounds: "nätverksskrivaren" holds "skrivar"), one of four only at the
 * start of a word, a shorter one only as a whole word ("lon", not "long"), and a stem with a
 * space matches neighbouring words.
 */

// One line a concept reads best; prettier would put every stem on its own line.
// prettier-ignore
export const SYMPTOM_CONCEPTS: Readonly<Record<string, readonly string[]>> = {
  restart: ['restart', 'reboot', 'boot', 'omstart', 'startar om', 'uppstart', 'startup', 'start up'],
  crash: ['crash', 'freez', 'frozen', 'hang', 'krasch', 'fryser', 'frys', 'hanger sig', 'not responding', 'svarar inte'],
  update: ['update', 'patch', 'uppdater', 'upgrade'],
  signin: ['login', 'log in', 'logon', 'sign in', 'signin', 'logga in', 'inlogg', 'password', 'losenord', 'pin'],
  shell: ['start menu', 'startmeny', 'taskbar', 'aktivitetsfalt', 'explorer', 'utforskar', 'desktop', 'skrivbord'],
  slow: ['slow', 'sluggish', 'laggy', 'seg', 'slo', 'langsam', 'takes forever', 'evighet'],
  mail: ['mail', 'email', 'e mail', 'mejl', 'inbox', 'inkorg', 'outlook', 'calendar', 'kalender', 'exchange', 'mailbox', 'brevlad', 'attachment', 'bilaga'],
  meeting: ['teams', 'meeting', 'mote', 'call', 'samtal', 'chat'],
  office: ['word', 'excel', 'powerpoint', 'onenote', 'onedrive', 'sharepoint', 'office', 'document', 'dokument', 'spreadsheet', 'macro', 'makro'],
  web: ['browser', 'webblasar', 'website', 'webbsid', 'webbplats', 'web page', 'tab', 'tabs', 'flik', 'bookmark', 'favorit', 'cookie', 'edge', 'chrome', 'firefox', 'safari', 'extension', 'tillagg', 'popup', 'pop up'],
  audio: ['sound', 'audio', 'speaker', 'headset', 'headphone', 'horlur', 'hogtalar', 'ljud', 'microphone', 'mikrofon', 'mic', 'mike'],
  display: ['monitor', 'screen', 'display', 'skarm', 'resolution', 'upplosning', 'brightness', 'ljusstyrk', 'flicker', 'flimr'],
  ports: ['dock', 'usb', 'hdmi', 'displayport', 'thunderbolt', 'cable', 'kabel', 'adapter', 'port', 'ports', 'porten', 'portar'],
  input: ['keyboard', 'tangentbord', 'mouse', 'mus', 'musen', 'touchpad', 'trackpad', 'styrplatt', 'pen', 'penna', 'tangent', 'keys'],
  power: ['battery', 'batteri', 'charg', 'ladd', 'power', 'strom'],
  wireless: ['wifi', 'wi fi', 'wlan', 'wireless', 'tradlos', 'bluetooth', 'blatand', 'natverk', 'network'],
  camera: ['camera', 'webcam', 'kamera'],
  damage: ['broken', 'liquid', 'water', 'vatten', 'wet', 'blot', 'loose', 'glapp', 'bent', 'bojd', 'fell', 'foll', 'ramlade', 'crack', 'spill', 'dropped', 'smell', 'burn', 'swollen', 'bulg', 'hinge', 'trasig', 'spruck', 'spillde', 'tappade', 'gangjarn', 'brant', 'svullen', 'sonder', 'physical', 'noise', 'ljud inifran', 'damage', 'skad'],
  dead: ['dead', 'beep', 'piper', 'no power', 'ingen strom', 'charging light', 'laddlampa', 'doesnt turn on', 'wont turn on', 't turn on', 'not turn on', 'power button', 'stromknapp', 'dod', 'no lights', 'inga lampor', 'gar inte att starta', 'startar inte'],
  printing: ['print', 'skrivar', 'utskrift', 'skriv ut', 'skriva ut', 'kopiator', 'copier', 'scan', 'skann', 'toner', 'paper', 'papper'],
  driver: ['driver', 'drivrutin', 'device manager', 'enhetshanterar', 'code 10', 'code 43', 'kod 10', 'kod 43', 'exclamation', 'utropstecken'],
  remote: ['vpn', 'remote', 'fjarr', 'tunnel', 'from home', 'hemifran', 'hemma', 'intranet', 'intranat', 'file share', 'filserver', 'company network', 'foretagsnat', 'natverksenhet', 'mapped drive'],
  business: ['system', 'order', 'attest', 'supplier', 'leverantor', 'payslip', 'lonespec', 'lonebesked', 'module', 'modul', 'application server', 'applikationsserver', 'export', 'import', 'budget', 'bokslut', 'ledger', 'reskontra', 'moms', 'vat', 'artikel', 'article', 'timesheet', 'webshop', 'webbshop', 'in house', 'payroll', 'salary', 'salaries', 'lon', 'loner', 'lonen', 'lonesystem', 'erp', 'affarssystem', 'crm', 'invoice', 'faktur', 'booking', 'bokning', 'report', 'rapport', 'customer', 'kund', 'arende', 'case management', 'time report', 'tidrapport', 'warehouse', 'lager', 'verksamhet', 'integration', 'database', 'databas', 'ora', 'sql', 'attest', 'approve'],
  management: ['policy', 'enrol', 'enroll', 'provision', 'update ring', 'uppdateringsring', 'managed', 'hanterad', 'tamper', 'manipuleringsskydd', 'app control', 'appkontroll', 'programkontroll', 'conditional access', 'villkorsstyrd', 'efterlevnad', 'wipe', 'retire', 'avregistr', 'jit', 'elevat', 'hojd behorighet', 'polic', 'managed by your', 'hanteras av', 'intune', 'company portal', 'foretagsportal', 'complian', 'kompatib', 'admin right', 'administrator', 'adminbehor', 'bitlocker', 'autopilot', 'blocked by', 'blockerad av', 'organisation', 'organization', 'install', 'installera'],
  windows: ['windows', 'profile', 'profil', 'blue screen', 'blaskarm', 'bsod', 'stop code', 'stoppkod', 'activat', 'aktiver', 'system file', 'systemfil', 'kernel', 'dll', 'event log', 'handelselogg', 'time zone', 'tidszon', 'language pack', 'sprakpaket', 'sfc', ],
  cloud: ['azure', 'entra', 'dynamics', 'power bi', 'power automate', 'power apps', 'subscription', 'prenumeration', 'tenant', 'resource group', 'resursgrupp', 'aadsts', 'devops', 'd365'],
};

const STEMS: ReadonlyArray<{ concept: string; stem: string }> = Object.entries(SYMPTOM_CONCEPTS).flatMap(
  ([concept, stems]) => stems.map((stem) => ({ concept, stem })),
);

/** The concepts a ticket's folded words mention, each once, in the lexicon's order. */
export function symptomConcepts(foldedWords: readonly string[]): string[] {
  const words = new Set(foldedWords);
  const joined = ` ${foldedWords.join(' ')} `;
  const found = new Set<string>();
  for (const { concept, stem } of STEMS) {
    if (found.has(concept)) continue;
    if (stem.includes(' ')) {
      if (joined.includes(` ${stem}`)) found.add(concept);
    } else if (stem.length >= 5) {
      if (joined.includes(stem)) found.add(concept);
    } else if (stem.length === 4) {
      if (foldedWords.some((word) => word.startsWith(stem))) found.add(concept);
    } else if (words.has(stem)) {
      found.add(concept);
    }
  }
  return [...found];
}
