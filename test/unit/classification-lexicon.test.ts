import { describe, expect, it } from 'vitest';
import { symptomConcepts } from '../../src/domain/classification/symptom-lexicon';
import { extractTextFeatures, tokenise } from '../../src/domain/classification/text-features';

const conceptsOf = (text: string) =>
  symptomConcepts(tokenise(text).map((word) => word.replace(/[åä]/g, 'a').replace(/ö/g, 'o')));

describe('symptom concepts', () => {
  it('gives English and Swedish words for the same symptom one concept', () => {
    expect(conceptsOf('Teams has no sound')).toContain('audio');
    expect(conceptsOf('Inget ljud i hörlurarna')).toContain('audio');
    expect(conceptsOf('The printer is offline')).toContain('printing');
    expect(conceptsOf('Kan inte skriva ut')).toContain('printing');
  });

  it('finds a concept inside a Swedish compound, with or without å/ä/ö', () => {
    expect(conceptsOf('Nätverksskrivaren på plan 2')).toContain('printing');
    expect(conceptsOf('affärssystemet svarar inte')).toContain('business');
    expect(conceptsOf('affarssystemet svarar inte')).toContain('business');
    expect(conceptsOf('webbläsaren hänger sig')).toEqual(expect.arrayContaining(['web', 'crash']));
  });

  it('matches a short stem only as a whole word', () => {
    expect(conceptsOf('lön betalas inte ut')).toContain('business');
    expect(conceptsOf('It takes a long time')).not.toContain('business');
    expect(conceptsOf('the music app')).not.toContain('input');
  });

  it('reads everyday wording of a dead machine', () => {
    expect(conceptsOf("The computer won't turn on")).toContain('dead');
    expect(conceptsOf('Datorn går inte att starta')).toContain('dead');
  });

  it('reads the managed service, Windows itself and business systems in either language', () => {
    expect(conceptsOf('Cannot enroll the new Surface')).toContain('management');
    expect(conceptsOf('Flytta mig till första uppdateringsringen')).toContain('management');
    expect(conceptsOf('Villkorsstyrd åtkomst stoppar mig')).toContain('management');
    expect(conceptsOf('Blåskärm när datorn vaknar')).toContain('windows');
    expect(conceptsOf('Windows says my profile is corrupt')).toContain('windows');
    expect(conceptsOf('Lönespecen visar fel belopp')).toContain('business');
    expect(conceptsOf('Supplier invoices are missing')).toContain('business');
    expect(conceptsOf('The laptop beeps and shows nothing')).toContain('dead');
    expect(conceptsOf('Datorn blev blöt i regnet')).toContain('damage');
  });

  it('is a feature of the model, next to words and n-grams', () => {
    expect(extractTextFeatures('Inget ljud', 'i Teams-mötet')).toEqual(
      expect.arrayContaining(['s:audio', 's:meeting']),
    );
    expect(extractTextFeatures('', '')).toEqual([]);
  });
});
