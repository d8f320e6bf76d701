/**
 * Which frame awaits a task, a timer or a child instance. A map step has a frame per item and each
 * of their results looks its frame up, so a scan of every frame per result is quadratic per map.
 * The ids the frames await are indexed once per frames object (the state is carried in memory
 * from one decision to the next), and a hit is checked against the frame as it is now: a miss,
 * or a frame that moved on, costs one scan, which rebuilds the index.
 */
import type { Frame, Wait } from './model.js';

export type AwaitedKind = 'task' | 'timer' | 'child';

type Index = Record<AwaitedKind, Map<string, string>>;

const indexes = new WeakMap<Record<string, Frame>, Index>();

function awaits(wait: Wait | undefined, kind: AwaitedKind, id: string): boolean {
  if (wait === undefined) return false;
  if (kind === 'task') return (wait.kind === 'task' || wait.kind === 'callback') && wait.taskId === id;
  if (kind === 'child') return wait.kind === 'child' && wait.childId === id;
  return 'timerId' in wait && wait.timerId === id;
}

function build(frames: Record<string, Frame>): Index {
  const index: Index = { task: new Map(), timer: new Map(), child: new Map() };
  for (const frameId in frames) {
    const wait = frames[frameId]!.wait;
    if (wait === undefined) continue;
    if (wait.kind === 'task' || (wait.kind === 'callback' && wait.taskId !== undefined)) index.task.set(wait.taskId!, frameId);
    else if (wait.kind === 'child') index.child.set(wait.childId, frameId);
    if ('timerId' in wait && wait.timerId !== undefined) index.timer.set(wait.timerId, frameId);
  }
  return index;
}

/** The frame awaiting the task, timer or child `id`, if any. */
export function frameAwaiting(frames: Record<string, Frame>, kind: AwaitedKind, id: string): Frame | undefined {
  const known = indexes.get(frames)?.[kind].get(id);
  if (known !== undefined && awaits(frames[known]?.wait, kind, id)) return frames[known];
  const index = build(frames);
  indexes.set(frames, index);
  const found = index[kind].get(id);
  return found === undefined ? undefined : frames[found];
}
