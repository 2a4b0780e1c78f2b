/**
 * Writes the labelled classification corpus (test/fixtures/classification/{train,heldout}.jsonl)
 * from the hand-written templates in test/fixtures/classification/source. Deterministic: the same
 * templates always give the same files, so the split is made once and only changes when a template
 * does. Held-out tickets come only from held-out templates (other phrasings, other product names).
 *
 *   npm run classify:corpus
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template, TemplateGroup } from '../../test/fixtures/classification/source/types';
import { BROWSER, MICROSOFT_APPS, WINDOWS_OS } from '../../test/fixtures/classification/source/templates-a';
import {
  DEVICE,
  INFRASTRUCTURE_DRIVER,
  INFRASTRUCTURE_PRINTER,
  INFRASTRUCTURE_VPN,
  LINE_OF_BUSINESS_APP,
} from '../../test/fixtures/classification/source/templates-b';
import {
  HARDWARE,
  MANAGED_DESKTOP_SERVICE,
  OTHER_MICROSOFT,
} from '../../test/fixtures/classification/source/templates-c';
import { MORE_TRAINING } from '../../test/fixtures/classification/source/templates-d';
import { WIDER_TRAINING } from '../../test/fixtures/classification/source/templates-e';
import { EVERYDAY_TRAINING } from '../../test/fixtures/classification/source/templates-f';
import { BOUNDARY_TRAINING } from '../../test/fixtures/classification/source/templates-g';
import { ADDED_HELDOUT } from '../../test/fixtures/classification/source/heldout-added';
import { THIRD_HELDOUT } from '../../test/fixtures/classification/source/heldout-third';
import { SCOPE_TRAINING } from '../../test/fixtures/classification/source/templates-i';
import { SCOPE_TRAINING_MORE } from '../../test/fixtures/classification/source/templates-j';
import { BROAD_TRAINING } from '../../test/fixtures/classification/source/templates-k';
import { STYLE_TRAINING } from '../../test/fixtures/classification/source/templates-l';
import { CONTRAST_TRAINING } from '../../test/fixtures/classification/source/templates-m';
import { WEAKEST_TRAINING } from '../../test/fixtures/classification/source/templates-n';
import {
  THIRTEENTH_TRAINING,
  THIRTEENTH_TRAINING_CONTRASTS,
  THIRTEENTH_TRAINING_UNSURE,
} from '../../test/fixtures/classification/source/templates-o';
import { BREADTH_TRAINING } from '../../test/fixtures/classification/source/templates-q';
import { SIXTEENTH_TRAINING } from '../../test/fixtures/classification/source/templates-r';
import { SHORT_AND_MIXED_TRAINING } from '../../test/fixtures/classification/source/templates-h';
import {
  GREETINGS,
  SIGN_OFFS,
  VAGUE_TITLES,
  VOCABULARY,
} from '../../test/fixtures/classification/source/vocabulary';
import { CORPUS_DIR, type CorpusEntry, serialiseCorpus } from './corpus';

const GROUPS: readonly TemplateGroup[] = [
  WINDOWS_OS,
  MICROSOFT_APPS,
  BROWSER,
  DEVICE,
  INFRASTRUCTURE_PRINTER,
  INFRASTRUCTURE_DRIVER,
  INFRASTRUCTURE_VPN,
  LINE_OF_BUSINESS_APP,
  HARDWARE,
  MANAGED_DESKTOP_SERVICE,
  OTHER_MICROSOFT,
];

/** Tickets written from each template: more for training, fewer (so more phrasings weigh in) held out. */
const INSTANCES = { train: 3, heldout: 2 } as const;

type Split = keyof typeof INSTANCES;
type Random = () => number;

function seededRandom(seedText: string): Random {
  let seed = 2166136261;
  for (const character of seedText) seed = Math.imul(seed ^ character.charCodeAt(0), 16777619);
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function expand(text: string, random: Random): string {
  return text
    .replace(/\{([a-z_0-9]+)\}/g, (_, slot: string) => {
      const values = VOCABULARY[slot];
      if (values === undefined) throw new Error(`unknown slot {${slot}}`);
      return pick(random, values);
    })
    .replace(/\[([^\]]*)\]/g, (_, alternatives: string) => pick(random, alternatives.split('|')))
    .replace(/ {2,}/g, ' ')
    .replace(/ ([.,])/g, '$1')
    .trim();
}

/** One swapped letter pair in a longer word: the commonest typo in tickets. */
function withTypo(text: string, random: Random): string {
  const words = text.split(' ');
  const candidates = words
    .map((word, index) => ({ word, index }))
    .filter(({ word }) => /^\p{L}{6,}$/u.test(word));
  if (candidates.length === 0) return text;
  const { word, index } = pick(random, candidates);
  const at = 1 + Math.floor(random() * (word.length - 3));
  words[index] = word.slice(0, at) + word[at + 1]! + word[at]! + word.slice(at + 2);
  return words.join(' ');
}

const withoutSwedishLetters = (text: string): string =>
  text.replace(/[åä]/g, 'a').replace(/[ÅÄ]/g, 'A').replace(/ö/g, 'o').replace(/Ö/g, 'O');

function writeTicket(template: Template, random: Random): { title: string; description: string } {
  const [language, titleTemplate, bodyTemplate] = template;
  let title = titleTemplate === '' ? pick(random, VAGUE_TITLES[language]) : expand(titleTemplate, random);
  let body = expand(bodyTemplate, random);
  if (random() < 0.25) title = title.toLowerCase();
  if (random() < 0.3) body = withTypo(body, random);
  if (random() < 0.1) body = body.replace(/[.!]?$/, '!!');
  let description = [pick(random, GREETINGS[language]), body, pick(random, SIGN_OFFS[language])]
    .filter((part) => part !== '')
    .join('\n');
  if (language === 'sv' && random() < 0.15) {
    title = withoutSwedishLetters(title);
    description = withoutSwedishLetters(description);
  }
  return { title, description };
}

/**
 * A part of the corpus: the training split, the first held-out set, the second held-out set
 * (source/heldout-added.ts), written after the first had been measured, or the third held-out set
 * (source/heldout-third.ts), written after the threshold came to be calibrated on the held-out split.
 * Ids say which.
 */
type Part = 'train' | 'heldout' | 'heldout2' | 'heldout3';

function templatesOf(part: Part, group: TemplateGroup, groupName: string): readonly Template[] {
  if (part === 'heldout') return group.heldout;
  if (part === 'heldout2') return ADDED_HELDOUT[groupName] ?? [];
  if (part === 'heldout3') return THIRD_HELDOUT[groupName] ?? [];
  return [
    ...group.train,
    ...(MORE_TRAINING[groupName] ?? []),
    ...(WIDER_TRAINING[groupName] ?? []),
    ...(EVERYDAY_TRAINING[groupName] ?? []),
    ...(BOUNDARY_TRAINING[groupName] ?? []),
    ...(SHORT_AND_MIXED_TRAINING[groupName] ?? []),
    ...(SCOPE_TRAINING[groupName] ?? []),
    ...(SCOPE_TRAINING_MORE[groupName] ?? []),
    ...(BROAD_TRAINING[groupName] ?? []),
    ...(STYLE_TRAINING[groupName] ?? []),
    ...(CONTRAST_TRAINING[groupName] ?? []),
    ...(WEAKEST_TRAINING[groupName] ?? []),
    ...(THIRTEENTH_TRAINING[groupName] ?? []),
    ...(THIRTEENTH_TRAINING_CONTRASTS[groupName] ?? []),
    ...(THIRTEENTH_TRAINING_UNSURE[groupName] ?? []),
    ...(BREADTH_TRAINING[groupName] ?? []),
    ...(SIXTEENTH_TRAINING[groupName] ?? []),
  ];
}

function buildPart(part: Part, seen: Set<string>): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  const instances = INSTANCES[part === 'train' ? 'train' : 'heldout'];
  for (const group of GROUPS) {
    const groupName = group.subCategory ? `${group.category}.${group.subCategory}` : group.category;
    templatesOf(part, group, groupName).forEach((template, templateIndex) => {
      for (let instance = 0; instance < instances; instance++) {
        for (let attempt = 0; attempt < 20; attempt++) {
          const random = seededRandom(`${part}/${groupName}/${templateIndex}/${instance}/${attempt}`);
          const ticket = writeTicket(template, random);
          const key = `${ticket.title}\n${ticket.description}`.toLowerCase();
          if (seen.has(key)) continue;
          seen.add(key);
          entries.push({
            id: `${part}-${groupName}-${templateIndex + 1}-${instance + 1}`,
            language: template[0],
            ...ticket,
            category: group.category,
            subCategory: group.subCategory ?? null,
          });
          break;
        }
      }
    });
  }
  return entries;
}

function buildSplit(split: Split): CorpusEntry[] {
  const seen = new Set<string>();
  return split === 'train'
    ? buildPart('train', seen)
    : [...buildPart('heldout', seen), ...buildPart('heldout2', seen), ...buildPart('heldout3', seen)];
}

for (const split of ['train', 'heldout'] as const) {
  const entries = buildSplit(split);
  writeFileSync(join(CORPUS_DIR, `${split}.jsonl`), serialiseCorpus(entries));
  const swedish = entries.filter((entry) => entry.language === 'sv').length;
  console.log(
    `${split}: ${entries.length} tickets (${swedish} Swedish, ${entries.length - swedish} English)`,
  );
}
