// The scenario on the page, over the library's source; test/browser/identical.test.ts calls it.
import * as nnwasm from 'nnwasm';
import { chapter15, type ScenarioOptions } from '../scenario.ts';

Object.assign(globalThis, { runChapter15: (opts: ScenarioOptions) => chapter15(nnwasm, opts) });
