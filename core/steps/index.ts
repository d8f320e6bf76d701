/** The step table: the handler of every step type, as decide hands it to each decision. */
import type { StepTable } from '../context.js';
import { choice } from './choice.js';
import { compensate } from './compensate.js';
import { continueAsNew } from './continue.js';
import { delay } from './delay.js';
import { fail } from './fail.js';
import { http } from './http.js';
import { map } from './map.js';
import { parallel } from './parallel.js';
import { set } from './set.js';
import { succeed } from './succeed.js';
import { task } from './task.js';
import { wait } from './wait.js';
import { workflow } from './workflow.js';

export const STEPS: StepTable = {
  task,
  http,
  set,
  choice,
  parallel,
  map,
  wait,
  delay,
  workflow,
  continue: continueAsNew,
  compensate,
  succeed,
  fail,
};
