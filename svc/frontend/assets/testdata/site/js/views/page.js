import { greet } from '../lib.js';
export const title = greet('page');
