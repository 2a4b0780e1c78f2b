export { caseArchiver } from './archive';
export { deviceAccount } from './device-account';
export { elevation } from './elevation';
export { elevationLease } from './elevation-lease';
export { escalation } from './escalation';
export { incident } from './incident';
export { supportCase } from './supportCase';
