export { supportCase } from './supportCase';
