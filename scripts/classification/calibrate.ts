/**
 * Sets the shipped model's triage threshold from the held-out split's calibration, without
 * training again (heldout-calibration.ts says how), and prints each held-out set's figures at the
 * threshold the other sets alone would give. Training applies the same calibration; this command
 * is for a held-out split that grew, or a model trained before the rule.
 *
 * A model's version names its behaviour, so a threshold that moves needs a new version:
 *
 *   npm run classify:calibrate                               # prints; writes only if nothing moves
 *   npm run classify:calibrate -- --version 2026-12-02.15    # writes the recalibrated model
 */
import { parseArgs } from 'node:util';
import { readCorpus } from './corpus';
import { withHeldoutCalibration } from './heldout-calibration';
import { checkVersion, MODEL_PATH, readModel, writeModel } from './model-artefact';

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { version: { type: 'string' } } });
  const shipped = readModel();
  const calibrated = withHeldoutCalibration(shipped, readCorpus('heldout'));
  const record = calibrated.training.heldoutCalibration as {
    tickets: number;
    correct: number;
    wrong: number;
    triage: number;
    crossFitted: { set: string; tickets: number; threshold: number; correct: number; wrong: number }[];
  };
  console.log(
    `model ${shipped.version}: threshold ${shipped.triageThreshold} → ${calibrated.triageThreshold} from ` +
      `${record.tickets} held-out tickets (there ${pct(record.correct)} correct, ${pct(record.wrong)} wrong, ` +
      `${pct(record.triage)} triage)`,
  );
  for (const c of record.crossFitted) {
    console.log(
      `  ${c.set} (${c.tickets} tickets) at ${c.threshold}, the threshold the other sets give: ` +
        `${pct(c.correct)} correct, ${pct(c.wrong)} wrong`,
    );
  }
  const moved =
    calibrated.triageThreshold !== shipped.triageThreshold || shipped.categoryThresholds !== undefined;
  if (moved && values.version === undefined) {
    console.log('the threshold moves: give the recalibrated model a new --version to write it');
    return;
  }
  const version = values.version === undefined ? shipped.version : checkVersion(values.version);
  if (moved && version === shipped.version)
    throw new Error(`--version ${version} is the shipped model's: a recalibrated model needs a new one`);
  await writeModel({
    ...calibrated,
    version,
    training: {
      ...calibrated.training,
      ...(version === shipped.version ? {} : { recalibratedFrom: shipped.version }),
    },
  });
  console.log(`wrote ${MODEL_PATH} as model ${version}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
