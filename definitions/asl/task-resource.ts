/**
 * Which Segue task type runs an ASL Task, from its `Resource`, so that workers (in-process
 * handlers or remote ones) run Step Functions tasks under plain names:
 *
 * - `segue:<type>` → `<type>`: a task type named outright;
 * - `arn:<partition>:states:::<service>:<action>` (an AWS service integration, with or without
 *   `.sync`, `.sync:2` or `.waitForTaskToken`) → `<service>:<action>`, e.g. `lambda:invoke`,
 *   `aws-sdk:s3:getObject`;
 * - `arn:<partition>:lambda:<region>:<account>:function:<name>[:<alias>]` → `lambda:<name>`;
 * - `arn:<partition>:states:<region>:<account>:activity:<name>` → `activity:<name>`;
 * - anything else → the Resource as written.
 */
const SEGUE = /^segue:(.+)$/;
const SERVICE = /^arn:[^:]+:states:::(.+?)(?:\.sync(?::\d+)?|\.waitForTaskToken)?$/;
const LAMBDA = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;
const ACTIVITY = /^arn:[^:]+:states:[^:]*:[^:]*:activity:(.+)$/;
const CALLBACK = /^arn:[^:]+:states:::.+\.waitForTaskToken$/;

/** Whether the Task waits for its task token to be sent back: a service integration ending `.waitForTaskToken`. */
export function waitsForTaskToken(resource: string): boolean {
  return CALLBACK.test(resource);
}

export function taskTypeOf(resource: string): string {
  const named = SEGUE.exec(resource) ?? SERVICE.exec(resource);
  if (named) return named[1]!;
  const lambda = LAMBDA.exec(resource);
  if (lambda) return `lambda:${lambda[1]}`;
  const activity = ACTIVITY.exec(resource);
  return activity ? `activity:${activity[1]}` : resource;
}
