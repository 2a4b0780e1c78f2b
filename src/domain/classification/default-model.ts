import type { LinearModel } from './linear-model';
import trainedModel from './trained-model.json';

/**
 * The model shipped with this build (scripts/classification/train.ts writes it). The API (to
 * classify intake), activities, scripts and tests load it: workflow code never imports this module,
 * it receives the classification record in its input or from the activity.
 */
export const DEFAULT_MODEL: LinearModel = trainedModel;
