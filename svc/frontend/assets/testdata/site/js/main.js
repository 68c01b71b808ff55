import { greet } from './lib.js';
import * as page from "./views/page.js";
export { greet } from './lib.js';
import './side-effect.js';

const url = 'https://example.org/not/rewritten.js'; // another origin: left alone
import('./views/later.js').then((m) => m.run(page, greet, url));
