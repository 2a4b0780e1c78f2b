import { normaliseText } from './classify';
import { symptomConcepts } from './symptom-lexicon';

/*
 * What the linear model reads from a ticket: stemmed words, pairs of neighbouring words and
 * character n-grams inside words. Stemming folds inflections ("skrivaren", "skrivarna" →
 * "skrivar"; "printing", "printers" → "print"); the n-grams carry the parts of Swedish compounds
 * ("nätverksskrivaren" shares "skriv" with "skrivare") and survive typos ("atuomatic" still shares
 * "mati", "atic" with "automatic"). Everything is pure and deterministic.
 */

export type Language = 'en' | 'sv';

/** Text beyond this is pasted logs or mail threads; it adds noise and time, not evidence. */
export const MAX_MODEL_TEXT_LENGTH = 3_000;

const CHAR_NGRAM_LENGTHS = [4, 5] as const;

const fold = (word: string): string => word.replace(/[åä]/g, 'a').replace(/ö/g, 'o');

const ENGLISH_STOPWORDS = new Set(
  (
    'a an the and or but if of to in on at by for with from as is are was were be been being it its this that ' +
    'these those i me my we our you your he she they them their there here have has had do does did not no ' +
    'so very just can could will would should may might must up out about into over after before again then ' +
    'than too also only all any some every when what which who whom how why where please thanks thank hi ' +
    'hello hey regards br cheers team morning since today yesterday now still get got'
  ).split(' '),
);

const SWEDISH_STOPWORDS = new Set(
  (
    'och i att det som en på är av för med till den har de inte om ett han men var jag sig från vi så kan ' +
    'man när år säger hon under också efter eller nu sin där vid mot ska skulle kommer ut får finns vad ' +
    'alla andra mycket än här då sedan sen över bara in blir upp även vara hade du mitt min mina mig dig ' +
    'oss era er vår våra någon något några hej hejsan tack mvh hälsningar snälla igår idag morse fast ' +
    'nog ju väl dom dem det den detta denna dessa vilken vilket vilka'
  ).split(' '),
);

// Users type å/ä/ö as a/a/o too: the stop words also stand in that spelling.
for (const word of [...SWEDISH_STOPWORDS]) SWEDISH_STOPWORDS.add(fold(word));

/** A rough language guess from function words; ties read as Swedish, whose stemmer is gentler on English. */
export function guessLanguage(words: readonly string[]): Language {
  let english = 0;
  let swedish = 0;
  for (const word of words) {
    if (ENGLISH_STOPWORDS.has(word)) english++;
    if (SWEDISH_STOPWORDS.has(word) || /[åäö]/.test(word)) swedish++;
  }
  return english > swedish ? 'en' : 'sv';
}

/** Lower-case words of letters and digits, å/ä/ö kept for stemming (folded later). */
export function tokenise(text: string): string[] {
  return normaliseText(text.slice(0, MAX_MODEL_TEXT_LENGTH))
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

// ---------------------------------------------------------------------------------------------
// Stemming

const SWEDISH_VOWELS = /[aeiouyåäö]/;
// Snowball's Swedish step-1 suffixes, longest first.
const SWEDISH_SUFFIXES = [
  'heterna',
  'hetens',
  'anden',
  'andes',
  'andet',
  'arens',
  'arnas',
  'ernas',
  'heten',
  'heter',
  'ornas',
  'ande',
  'ades',
  'aren',
  'arna',
  'arne',
  'aste',
  'erna',
  'orna',
  'ad',
  'ade',
  'are',
  'ast',
  'ens',
  'ern',
  'het',
  'as',
  'ar',
  'at',
  'en',
  'er',
  'es',
  'or',
  'a',
  'e',
].sort((x, y) => y.length - x.length);
const SWEDISH_S_ENDING = /[bcdfghjklmnoprtvy]s$/;

/** Start of Snowball's R1: after the first non-vowel that follows a vowel, at least at 3. */
function regionOne(word: string, vowels: RegExp): number {
  for (let i = 1; i < word.length; i++) {
    if (!vowels.test(word[i]!) && vowels.test(word[i - 1]!)) return Math.max(3, i + 1);
  }
  return word.length;
}

/** The Snowball Swedish stemmer (steps 1–3). */
export function stemSwedish(word: string): string {
  const r1 = regionOne(word, SWEDISH_VOWELS);
  let stem = word;
  const suffix = SWEDISH_SUFFIXES.find((s) => stem.endsWith(s) && stem.length - s.length >= r1);
  if (suffix !== undefined) stem = stem.slice(0, -suffix.length);
  else if (SWEDISH_S_ENDING.test(stem) && stem.length - 1 >= r1) stem = stem.slice(0, -1);
  if (/(dd|gd|nn|dt|gt|kt|tt)$/.test(stem) && stem.length - 1 >= r1) stem = stem.slice(0, -1);
  if (/(lig|ig|els)$/.test(stem)) {
    const cut = stem.endsWith('els') || stem.endsWith('lig') ? 3 : 2;
    if (stem.length - cut >= r1) stem = stem.slice(0, -cut);
  } else if (stem.endsWith('löst') && stem.length - 1 >= r1) stem = stem.slice(0, -1);
  else if (stem.endsWith('fullt') && stem.length - 1 >= r1) stem = stem.slice(0, -1);
  return stem;
}

const ENGLISH_VOWELS = /[aeiouy]/;

/** A light English stemmer: plurals, -ing, -ed, -ly, possessives; enough next to the n-grams. */
export function stemEnglish(word: string): string {
  let stem = word.replace(/'s?$/, '');
  if (stem.length <= 3) return stem;
  if (stem.endsWith('ies') && stem.length > 4) stem = `${stem.slice(0, -3)}y`;
  else if (/(sses|xes|ches|shes)$/.test(stem)) stem = stem.slice(0, -2);
  else if (stem.endsWith('s') && !/(ss|us|is)$/.test(stem)) stem = stem.slice(0, -1);
  for (const suffix of ['ingly', 'edly', 'ing', 'ed', 'ly']) {
    const rest = stem.slice(0, -suffix.length);
    if (stem.endsWith(suffix) && rest.length >= 3 && ENGLISH_VOWELS.test(rest)) {
      stem = /(.)\1$/.test(rest) && !/(ll|ss|zz)$/.test(rest) ? rest.slice(0, -1) : rest;
      break;
    }
  }
  return stem.endsWith('e') && stem.length > 4 ? stem.slice(0, -1) : stem;
}

// ---------------------------------------------------------------------------------------------
// Features

/**
 * The ticket's features, each once: `w:` stemmed word, `p:` pair of neighbouring content words,
 * `c:` character n-gram of a word (with `<` and `>` at its edges), `s:` symptom concept
 * (symptom-lexicon.ts). Stop words of either language give no features (tickets mix the
 * languages) and break word pairs; they still count in concepts ("skriv ut").
 */
export function extractTextFeatures(title: string, description: string): string[] {
  const words = tokenise(`${title}\n${description}`);
  const language = guessLanguage(words);
  const stem = language === 'en' ? stemEnglish : stemSwedish;
  const features = new Set<string>();
  let previous: string | null = null;
  for (const word of words) {
    if (ENGLISH_STOPWORDS.has(word) || SWEDISH_STOPWORDS.has(word)) {
      previous = null;
      continue;
    }
    const stemmed = fold(stem(word));
    features.add(`w:${stemmed}`);
    if (previous !== null) features.add(`p:${previous} ${stemmed}`);
    previous = stemmed;
    if (/^\p{L}+$/u.test(word)) addCharNgrams(fold(word), features);
  }
  for (const concept of symptomConcepts(words.map(fold))) features.add(`s:${concept}`);
  return [...features];
}

function addCharNgrams(word: string, features: Set<string>): void {
  const padded = `<${word}>`;
  for (const length of CHAR_NGRAM_LENGTHS) {
    for (let start = 0; start + length <= padded.length; start++) {
      features.add(`c:${padded.slice(start, start + length)}`);
    }
  }
}
