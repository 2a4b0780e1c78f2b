export { caseArchiver } from './archive';
export { elevation } from './elevation';
export { escalation } from './escalation';
export { incident } from './incident';
export { supportCase } from './supportCase';
