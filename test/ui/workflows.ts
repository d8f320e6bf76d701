/** Workflows of the console's end-to-end tests, whose tasks the tests do themselves (see claim()). */

/** A map three items at a time; a failed item fails the map, whose catch goes to a `fail` step. */
export const MAP_WORKFLOW = `name: console-map
description: Fetch every image, three at a time; one that cannot be fetched stops the batch.
steps:
  - name: images
    type: map
    items: urls
    concurrency: 3
    steps:
      - name: fetch
        type: task
        task: console.fetch
        input: { url: "\${ item }" }
    catch:
      - errors: ["*"]
        next: giveUp

  - name: done
    type: succeed

  - name: giveUp
    type: fail
    error: BatchFailed
    message: an image could not be fetched
`;

/** A task whose failure fails the instance at the task itself (so a retry runs it again). */
export const FLAKY_WORKFLOW = `name: console-flaky
description: Call a flaky service once.
steps:
  - name: call
    type: task
    task: console.call

  - name: done
    type: succeed
`;

/** A map tolerating every failure, and a parallel step with two branches. */
export const FANOUT_WORKFLOW = `name: console-fanout
description: Check every address (bad ones tolerated), then notify two channels at once.
steps:
  - name: check
    type: map
    items: addresses
    concurrency: 4
    toleratedFailures: 100%
    steps:
      - name: verify
        type: task
        task: console.verify

  - name: notify
    type: parallel
    branches:
      - name: email
        steps:
          - name: send
            type: task
            task: console.email
      - name: sms
        steps:
          - name: text
            type: task
            task: console.sms

  - name: done
    type: succeed
`;
