export { elevation } from './elevation';
export { supportCase } from './supportCase';
