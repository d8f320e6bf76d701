/** Definitions: register, list, read. */
import type { StoredDefinition } from '../engine/store/port.js';
import { SegueError } from '../engine/errors.js';
import type { Handler, HandlerContext } from './handler-context.js';

type DefinitionOperations = 'registerWorkflow' | 'listWorkflows' | 'getWorkflow' | 'getWorkflowVersion';

export function definitionHandlers({ engine }: HandlerContext): Record<DefinitionOperations, Handler> {
  const workflow = async (name: string, version?: number): Promise<object> => {
    const stored = await engine.getDefinition(name, version);
    if (!stored) {
      throw new SegueError('NOT_FOUND', `workflow "${name}"${version === undefined ? '' : ` version ${version}`} is not registered`);
    }
    const versions = await engine.workflowVersions(name);
    return { ...summary(stored), hash: stored.hash, source: stored.source, definition: stored.definition, versions };
  };
  return {
    registerWorkflow: async (call) => {
      const { name, version, created } = await engine.register(call.body as string, call.file!);
      return { status: created ? 201 : 200, body: { name, version } };
    },
    listWorkflows: async () => ({ status: 200, body: { items: (await engine.listWorkflows()).map(summary) } }),
    getWorkflow: async (call) => ({ status: 200, body: await workflow(call.params.name as string) }),
    getWorkflowVersion: async (call) => ({ status: 200, body: await workflow(call.params.name as string, call.params.version as number) }),
  };
}

function summary(stored: StoredDefinition): { name: string; version: number; description?: string; createdAt: string } {
  const description = (stored.definition as { description?: unknown }).description;
  return {
    name: stored.name,
    version: stored.version,
    ...(typeof description === 'string' ? { description } : {}),
    createdAt: new Date(stored.createdAt).toISOString(),
  };
}
