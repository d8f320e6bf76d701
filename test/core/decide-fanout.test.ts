/** decide() tables for the steps that fork frames: parallel and map. */
import { describe, it } from 'vitest';
import { check, plan, scheduled, type Row } from './harness.js';

const gather = plan(`
name: gather
steps:
  - name: gather
    type: parallel
    branches:
      - name: sales
        steps:
          - { name: totals, type: task, task: sales }
      - name: stock
        steps:
          - { name: levels, type: task, task: stock }
`);

const each = plan(`
name: each
steps:
  - name: each
    type: map
    items: orders
    concurrency: 2
    toleratedFailures: 1
    steps:
      - { name: ship, type: task, task: ship, input: { id: "\${ id }" } }
`);

const squares = plan(`
name: squares
steps:
  - name: each
    type: map
    items: numbers
    steps:
      - { name: square, type: set, values: { item: "\${ item * item }" } }
`);


const orders = { orders: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] };

const rows: Row[] = [
  {
    name: 'parallel: forks a frame per branch, each on its own copy of the data, and joins them',
    plan: gather,
    input: { day: 1 },
    commands: [scheduled('i1:1:t3', 'totals', 'sales', { day: 1 }), scheduled('i1:1:t4', 'levels', 'stock', { day: 1 })],
    record: {
      status: 'RUNNING',
      state: {
        frames: {
          root: { step: 'gather', wait: { kind: 'join' }, join: { kind: 'parallel', running: ['i1:1:f1', 'i1:1:f2'], results: {} } },
          'i1:1:f1': { parent: 'root', branch: 'sales', step: 'totals', wait: { kind: 'task', taskId: 'i1:1:t3' } },
          'i1:1:f2': { parent: 'root', branch: 'stock', step: 'levels', wait: { kind: 'task', taskId: 'i1:1:t4' } },
        },
      },
    },
    history: ['InstanceStarted', 'StepStarted gather', 'StepStarted totals', 'TaskScheduled totals', 'StepStarted levels', 'TaskScheduled levels'],
  },
  {
    name: 'parallel: a branch that ends first waits for the other; the result is by branch name',
    plan: gather,
    input: {},
    inputs: [
      { type: 'taskCompleted', taskId: 'i1:1:t4', output: 'l' },
      { type: 'taskCompleted', taskId: 'i1:1:t3', output: 's' },
    ],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t3' }],
    record: { status: 'COMPLETED', state: { frames: {}, output: { gather: { sales: { totals: 's' }, stock: { levels: 'l' } } } } },
    history: ['TaskCompleted totals', 'StepCompleted totals', 'StepCompleted gather', 'InstanceCompleted'],
  },
  {
    name: 'parallel: a branch failing past its catch rules cancels the other, and the step fails with its error',
    plan: gather,
    input: {},
    inputs: [{ type: 'taskFailed', taskId: 'i1:1:t4', error: { error: 'Boom', message: 'x' } }],
    commands: [
      { type: 'removeTask', taskId: 'i1:1:t4' },
      { type: 'removeTask', taskId: 'i1:1:t3' },
    ],
    record: { status: 'FAILED', state: { frames: {}, error: { error: 'Boom', message: 'x', step: 'levels', branch: 'stock' } } },
    history: ['TaskFailed levels', 'StepFailed levels', 'StepCancelled totals', 'StepFailed gather', 'InstanceFailed'],
  },
  {
    name: 'map: starts `concurrency` iterations, each on its item',
    plan: each,
    input: orders,
    commands: [scheduled('i1:1:t3', 'ship', 'ship', { id: 'a' }), scheduled('i1:1:t4', 'ship', 'ship', { id: 'b' })],
    record: {
      state: {
        frames: {
          root: { join: { kind: 'map', running: ['i1:1:f1', 'i1:1:f2'], nextIndex: 2, failures: 0 } },
          'i1:1:f1': { parent: 'root', index: 0, item: { id: 'a' }, data: { id: 'a' } },
          'i1:1:f2': { parent: 'root', index: 1, item: { id: 'b' } },
        },
      },
    },
  },
  {
    name: 'map: an iteration that ends makes room for the next item',
    plan: each,
    input: orders,
    inputs: [{ type: 'taskCompleted', taskId: 'i1:1:t3', output: 'shipped a' }],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t3' }, scheduled('i1:1:t6', 'ship', 'ship', { id: 'c' })],
    record: { state: { frames: { root: { join: { running: ['i1:1:f2', 'i1:1:f5'], results: { 0: { id: 'a', ship: 'shipped a' } }, nextIndex: 3 } } } } },
  },
  {
    name: 'map: a tolerated failure leaves {error, message} at its index; the results are in item order',
    plan: each,
    input: orders,
    inputs: [
      { type: 'taskCompleted', taskId: 'i1:1:t3', output: 'A' },
      { type: 'taskFailed', taskId: 'i1:1:t4', error: { error: 'Lost', message: 'no such order' } },
      { type: 'taskCompleted', taskId: 'i1:1:t6', output: 'C' },
    ],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t6' }],
    record: {
      status: 'COMPLETED',
      state: { output: { each: [{ id: 'a', ship: 'A' }, { error: 'Lost', message: 'no such order' }, { id: 'c', ship: 'C' }] } },
    },
  },
  {
    name: 'map: a failure past tolerance cancels the iterations still running and fails the step with its index',
    plan: each,
    input: orders,
    inputs: [
      { type: 'taskFailed', taskId: 'i1:1:t3', error: { error: 'Lost', message: '1' } },
      { type: 'taskFailed', taskId: 'i1:1:t4', error: { error: 'Lost', message: '2' } },
    ],
    commands: [
      { type: 'removeTask', taskId: 'i1:1:t4' },
      { type: 'removeTask', taskId: 'i1:1:t6' },
    ],
    record: { status: 'FAILED', state: { error: { error: 'Lost', message: '2', step: 'ship', index: 1 } } },
    history: ['TaskFailed ship', 'StepFailed ship', 'StepCancelled ship', 'StepFailed each', 'InstanceFailed'],
  },
  {
    name: 'map: an item that is no object is the iteration\'s `item`; steps of no I/O finish in the same decision',
    plan: squares,
    input: { numbers: [2, 3] },
    commands: [],
    record: { status: 'COMPLETED', state: { output: { numbers: [2, 3], each: [{ item: 4 }, { item: 9 }] } } },
  },
  {
    name: 'map: no items completes the step at once with an empty list',
    plan: squares,
    input: { numbers: [] },
    commands: [],
    record: { status: 'COMPLETED', state: { output: { numbers: [], each: [] } } },
    history: ['InstanceStarted', 'StepStarted each', 'StepCompleted each', 'InstanceCompleted'],
  },
];

describe('decide: parallel and map', () => {
  it.each(rows)('$name', async (row) => {
    await check(row);
  });
});
