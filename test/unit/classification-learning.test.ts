import { describe, expect, it } from 'vitest';
import { buildTimeline } from '../../src/audit/timeline';
import { candidatesFromHistories } from '../../scripts/classification/corrections';
import { corpusEntrySchema } from '../../scripts/classification/corpus';
import { syntheticCaseHistory } from '../fixtures/classification/synthetic-history';

// What a worker recorded before the model existed: rule ids of that day, no model, no evidence.
const OLD_RECORD = {
  category: 'microsoft-apps',
  subCategory: 'outlook',
  confidence: 0.55,
  rules: ['outlook-crash', 'office-app'],
  rulesVersion: '2026.1',
  needsTriage: false,
};

const MODEL_RECORD = {
  category: 'device',
  subCategory: null,
  confidence: 0.48,
  rules: ['device.audio'],
  rulesVersion: '2026-12-02.1',
  needsTriage: true,
  modelVersion: '2026-12-02.1',
  evidence: [
    { kind: 'rule', term: 'device', weight: 1.2 },
    { kind: 'word', term: 'ljud', weight: 0.4 },
  ],
};

const INTAKE = {
  title: 'Inget ljud i Teams',
  description: 'Ingen hör mig i Teams-möten, headsetet funkar annars.',
};
const OVERRIDE = {
  actor: 'kim.t1',
  reason: 'Teams problem, not the headset',
  category: 'microsoft-apps',
  subCategory: 'teams',
};

describe('learning from overrides: candidate corpus entries', () => {
  it('turns a completed override into an entry with the original text, the agent reason and the classifier record', () => {
    const history = syntheticCaseHistory({
      intake: INTAKE,
      classification: MODEL_RECORD,
      overrides: [{ args: OVERRIDE, outcome: 'success' }],
    });

    const [candidate, ...rest] = candidatesFromHistories([{ workflowId: 'case:c-1', history }]);

    expect(rest).toEqual([]);
    expect(candidate).toMatchObject({
      language: 'sv',
      title: INTAKE.title,
      description: INTAKE.description,
      category: 'microsoft-apps',
      subCategory: 'teams',
      review: {
        caseId: 'c-1',
        actor: 'kim.t1',
        reason: 'Teams problem, not the headset',
        classifiedAs: { category: 'device', modelVersion: '2026-12-02.1', evidence: MODEL_RECORD.evidence },
      },
    });
    // A reviewer can move it into the corpus as it is; the requester's name and contact stay out.
    expect(corpusEntrySchema.safeParse(candidate).success).toBe(true);
    expect(JSON.stringify(candidate)).not.toContain('Requester Name');
  });

  it('reads the classification a case opened with (the API classified its intake)', () => {
    const history = syntheticCaseHistory({
      intake: INTAKE,
      classification: MODEL_RECORD,
      classifiedAt: 'intake',
      overrides: [{ args: OVERRIDE, outcome: 'success' }],
    });

    const [candidate] = candidatesFromHistories([{ workflowId: 'case:c-1b', history }]);

    expect(candidate?.review).toMatchObject({
      classifiedAs: { category: 'device', modelVersion: '2026-12-02.1', evidence: MODEL_RECORD.evidence },
    });
  });

  it('reads old histories whose classification carries only old rule ids', () => {
    const history = syntheticCaseHistory({
      intake: { title: 'Outlook crashes', description: 'It is the printer, not Outlook' },
      classification: OLD_RECORD,
      overrides: [
        { args: { ...OVERRIDE, category: 'infrastructure', subCategory: 'printer' }, outcome: 'success' },
      ],
    });

    const [candidate] = candidatesFromHistories([{ workflowId: 'case:c-2', history }]);

    expect(candidate).toMatchObject({
      language: 'en',
      category: 'infrastructure',
      subCategory: 'printer',
      review: {
        classifiedAs: { rules: ['outlook-crash', 'office-app'], rulesVersion: '2026.1', modelVersion: null },
      },
    });
  });

  it('keeps the last override that took effect, and skips failed or unfinished ones', () => {
    const history = syntheticCaseHistory({
      intake: INTAKE,
      classification: MODEL_RECORD,
      overrides: [
        { args: { ...OVERRIDE, category: 'hardware' }, outcome: 'success' },
        { args: OVERRIDE, outcome: 'success' },
        { args: { ...OVERRIDE, category: 'browser' }, outcome: 'failure' },
        { args: { ...OVERRIDE, category: 'windows-os' }, outcome: 'pending' },
      ],
    });

    const candidates = candidatesFromHistories([{ workflowId: 'case:c-3', history }]);

    expect(candidates.map((c) => c.category)).toEqual(['microsoft-apps']);
  });

  it('writes nothing for cases without an override and ignores child workflows', () => {
    const plain = syntheticCaseHistory({ intake: INTAKE, classification: MODEL_RECORD, overrides: [] });
    const withOverride = syntheticCaseHistory({
      intake: INTAKE,
      classification: MODEL_RECORD,
      overrides: [{ args: OVERRIDE, outcome: 'success' }],
    });

    expect(
      candidatesFromHistories([
        { workflowId: 'case:c-4', history: plain },
        { workflowId: 'case:c-5:elevation:1', history: withOverride },
      ]),
    ).toEqual([]);
  });
});

describe('timeline: the classifier beside an override', () => {
  it('shows the model version and evidence of the classification an agent overrode', () => {
    const history = syntheticCaseHistory({
      intake: INTAKE,
      classification: MODEL_RECORD,
      overrides: [{ args: OVERRIDE, outcome: 'success' }],
    });

    const { entries } = buildTimeline('c-6', [{ workflowId: 'case:c-6', history }]);
    const classified = entries.find((e) => e.type === 'classified');
    const overridden = entries.find((e) => e.type === 'category-overridden');

    expect(classified?.reason).toBe('rules 2026-12-02.1, model 2026-12-02.1: device.audio');
    expect(classified?.text).toContain('Evidence: device (rule 1.2), ljud (word 0.4).');
    expect(overridden?.text).toBe(
      'Category set to microsoft-apps/teams. The classifier had said device (confidence 0.48; rules 2026-12-02.1, model 2026-12-02.1: device.audio).',
    );
    expect(overridden?.details).toMatchObject({
      overridden: {
        category: 'device',
        modelVersion: '2026-12-02.1',
        evidence: MODEL_RECORD.evidence,
        eventId: classified?.eventId,
      },
    });
  });

  it('shows a classification made at intake right after the intake, and beside an override', () => {
    const history = syntheticCaseHistory({
      intake: INTAKE,
      classification: MODEL_RECORD,
      classifiedAt: 'intake',
      overrides: [{ args: OVERRIDE, outcome: 'success' }],
    });

    const { entries } = buildTimeline('c-6b', [{ workflowId: 'case:c-6b', history }]);

    expect(entries.map((e) => e.type).slice(0, 2)).toEqual(['intake', 'classified']);
    const classified = entries[1]!;
    expect(classified.eventId).toBe(1);
    expect(classified.reason).toBe('rules 2026-12-02.1, model 2026-12-02.1: device.audio');
    expect(classified.text).toContain('Evidence: device (rule 1.2), ljud (word 0.4).');
    expect(entries.find((e) => e.type === 'category-overridden')?.details).toMatchObject({
      overridden: { category: 'device', modelVersion: '2026-12-02.1', eventId: 1 },
    });
  });

  it('still renders old rule ids from histories recorded before the model', () => {
    const history = syntheticCaseHistory({
      intake: INTAKE,
      classification: OLD_RECORD,
      overrides: [{ args: OVERRIDE, outcome: 'success' }],
    });

    const { entries } = buildTimeline('c-7', [{ workflowId: 'case:c-7', history }]);
    const classified = entries.find((e) => e.type === 'classified');
    const overridden = entries.find((e) => e.type === 'category-overridden');

    expect(classified).toMatchObject({
      reason: 'rules 2026.1: outlook-crash, office-app',
      text: 'Classified as microsoft-apps/outlook (confidence 0.55).',
      details: { rules: ['outlook-crash', 'office-app'] },
    });
    expect(overridden?.text).toContain(
      'The classifier had said microsoft-apps (confidence 0.55; rules 2026.1: outlook-crash, office-app).',
    );
    expect(overridden?.details).not.toHaveProperty('overridden.modelVersion');
  });

  it('leaves an override alone when the case was never classified', () => {
    const history = syntheticCaseHistory({
      intake: INTAKE,
      classification: null,
      overrides: [{ args: OVERRIDE, outcome: 'success' }],
    });

    const overridden = buildTimeline('c-8', [{ workflowId: 'case:c-8', history }]).entries.find(
      (e) => e.type === 'category-overridden',
    );

    expect(overridden?.text).toBe('Category set to microsoft-apps/teams.');
  });
});
