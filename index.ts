/** Segue's public library surface: embed the engine, talk to a server, or work with definitions. */
export { createEngine, Engine, type EngineOptions, type StartOptions } from './engine/engine.js';
export { ManualClock, systemClock, type Clock } from './engine/clock.js';
export { SegueError, type ErrorCode } from './engine/errors.js';
export type { TaskHandler, TaskContext } from './engine/local-workers.js';
export type { ClaimedTask, PollRequest, FailureReport } from './protocol/tasks.js';
export type { InstanceView, HistoryView, CurrentStep, LifecycleAction, StartRequest } from './protocol/instances.js';
export type { ErrorInfo } from './core/model.js';
export { openStore } from './engine/store/open-store.js';
export type { Store, InstanceStatus, InstanceFilter } from './engine/store/port.js';
export { loadPlan } from './definitions/load.js';
export { checkDefinition } from './definitions/validate.js';
export { buildGraph, toMermaid } from './definitions/graph.js';
export { formatProblem, type Plan, type Problem, type Json } from './definitions/model.js';
export { createServer, type ServerOptions } from './api/app.js';
export { SegueClient, ProblemError, NetworkError, type TaskResult, type TaskResultOutcome, type Transport } from './client/http-client.js';
export { nodeTransport } from './client/node-transport.js';
export { createWorker, TaskResultError, type Worker, type WorkerOptions, type WorkerContext } from './client/worker-client.js';
