/**
 * Which answer a call gets: by step before task type, the case's mocks before the file's; one
 * answer per call in order (the last one again after), or whenever a `when` holds; outputs and
 * messages templated on the task's input; HTTP responses as an http step sees them.
 */
import { describe, expect, it } from 'vitest';
import { runIn, verdicts } from './helpers.js';

const CHAIN = `name: wf
steps:
  - name: first
    type: task
    task: work
    input: { n: 1 }
  - name: second
    type: task
    task: work
    input: { n: 2 }
    retry: { maxAttempts: 4, initialInterval: 1s, backoffCoefficient: 1 }
    compensate: { task: undo, input: { n: "\${ second.n }" } }
  - name: third
    type: task
    task: work
    input: { n: 3 }
  - name: done
    type: succeed
    output: { first: "\${ first }", second: "\${ second }", third: "\${ third }" }
`;

describe('mocks', () => {
  it('answer by step before task type, the case before the file, in order with the last one again', async () => {
    const ran = await runIn({
      'wf.yaml': CHAIN,
      'wf.test.yaml': `mocks:
  tasks:
    work: { output: { by: type, n: "\${ n }", attempt: "\${ $attempt }" } }
  steps:
    third: { output: { by: file step } }
cases:
  - name: by type and by step
    expect:
      output:
        first: { by: type, n: 1, attempt: 1 }
        second: { by: type, n: 2, attempt: 1 }
        third: { by: file step }
  - name: a case's own mocks replace the file's, one by one
    mocks:
      tasks: { work: { output: { by: case type } } }
      steps:
        second:
          - { error: Busy }
          - output: { by: case step, attempt: "\${ $attempt }" }
          - output: { by: never }
    expect:
      output:
        first: { by: case type }
        second: { by: case step, attempt: 2 }
        third: { by: file step }
      duration: 1s
  - name: the last answer is given again
    mocks:
      steps:
        second: [{ error: Busy, message: "busy with \${ n }" }]
    expect:
      status: FAILED
      error: { error: Busy, message: busy with 2, step: second }
      duration: 3s
`,
    });
    expect(verdicts(ran)).toEqual({ 'by type and by step': 'pass', "a case's own mocks replace the file's, one by one": 'pass', 'the last answer is given again': 'pass' });
  });

  it('give an answer with when whenever it holds, and the others in order', async () => {
    const ran = await runIn({
      'wf.yaml': `name: wf
steps:
  - name: each
    type: map
    items: items
    steps:
      - name: work
        type: task
        task: work
        input: { n: "\${ n }" }
`,
      'wf.test.yaml': `mocks:
  tasks:
    work:
      - { when: n > 10, output: { big: true } }
      - output: { call: 1 }
      - output: { call: 2 }
cases:
  - name: big items whenever, the others in turn
    input: { items: [{ n: 1 }, { n: 20 }, { n: 2 }, { n: 30 }, { n: 3 }] }
    expect:
      outputContains:
        each:
          - { work: { call: 1 } }
          - { work: { big: true } }
          - { work: { call: 2 } }
          - { work: { big: true } }
          - { work: { call: 2 } }
`,
    });
    expect(verdicts(ran)).toEqual({ 'big items whenever, the others in turn': 'pass' });
  });

  it('answer compensations by the step they undo, or by task type', async () => {
    const ran = await runIn({
      'wf.yaml': CHAIN,
      'wf.test.yaml': `mocks:
  tasks:
    work: { output: { n: "\${ n }" } }
    undo: { error: CannotUndo, message: "undo of \${ n } failed" }
cases:
  - name: by task type
    mocks: { steps: { third: { error: Broken, retryable: false } } }
    expect:
      status: FAILED
      error: { error: Broken, message: "Broken: 2 compensation failed" }
      compensations: [second]
  - name: by the step it undoes
    mocks:
      steps: { third: { error: Broken, retryable: false } }
      compensations: { second: { output: {} } }
    expect:
      status: FAILED
      error: { error: Broken }
      compensations: [second]
`,
    });
    expect(verdicts(ran)).toEqual({
      'by task type': ['wf.test.yaml:10:40: error.message: expected "Broken: 2 compensation failed", got "Broken (a mocked error); 1 compensation failed"'],
      'by the step it undoes': 'pass',
    });
  });

  it('answer http steps with responses: 2xx is the result, other statuses fail as HttpError', async () => {
    const ran = await runIn({
      'wf.yaml': `name: wf
steps:
  - name: fetch
    type: http
    method: POST
    url: "https://api.example.com/items/\${ id }"
    retry: { maxAttempts: 3, initialInterval: 1s }
    result: { status: "\${ $result.status }", name: "\${ $result.body.name }", type: "\${ $result.headers.'content-type' }" }
    catch: [{ errors: [HttpError], next: failed }]
  - name: done
    type: succeed
    output: "\${ fetch }"
  - name: failed
    type: fail
    error: FetchFailed
    message: "\${ error.message }"
`,
      'wf.test.yaml': `cases:
  - name: a 201 with a JSON body
    input: { id: 7 }
    mocks:
      steps:
        fetch: { response: { status: 201, headers: { content-type: application/json }, body: { name: "item \${ $substringAfter(url, 'items/') }" } } }
    expect:
      output: { status: 201, name: item 7, type: application/json }
  - name: a 429 is retried, then a 200
    input: { id: 8 }
    mocks:
      steps:
        fetch: [{ response: { status: 429 } }, { response: { status: 200, body: { name: eight } } }]
    expect:
      outputContains: { status: 200, name: eight }
      duration: 1s
  - name: a 400 is not retried
    input: { id: 9 }
    mocks:
      steps:
        fetch: { response: { status: 400 } }
    expect:
      status: FAILED
      error: { error: FetchFailed, message: POST https://api.example.com/items/9 answered 400 Bad Request }
      duration: 0s
`,
    });
    expect(ran.result.problems).toEqual([]);
    expect(verdicts(ran)).toEqual({ 'a 201 with a JSON body': 'pass', 'a 429 is retried, then a 200': 'pass', 'a 400 is not retried': 'pass' });
  });

  it('fail the case at the mock whose expression fails, naming it', async () => {
    const ran = await runIn({
      'wf.yaml': CHAIN,
      'wf.test.yaml': `mocks:
  tasks:
    work: { output: "\${ $error('no such order') }" }
cases:
  - name: broken mock
    expect: { status: COMPLETED }
`,
    });
    expect(ran.lines).toEqual([`wf.test.yaml:3:21: the mock's output failed: expression "$error('no such order')" failed: no such order`]);
  });
});
