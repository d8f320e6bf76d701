/**
 * The registry of workflow definitions: validates and stores immutable versions, and hands the
 * engine compiled Plans, each compiled once per process and version.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ScheduleDefinition } from '../definitions/definition.js';
import { compileStoredPlan, loadPlan } from '../definitions/load.js';
import type { Json, JsonObject, Plan } from '../definitions/model.js';
import type { Clock } from './clock.js';
import { SegueError } from './errors.js';
import { describeErrors, type ErrorWording } from './schema-errors.js';
import type { Store, StoredDefinition } from './store/port.js';

export interface Registered {
  name: string;
  version: number;
  /** False when identical content was already registered (its version is returned). */
  created: boolean;
  /** The schedules the file declares (`schedules:`), to be created or updated. */
  schedules: ScheduleDefinition[];
}

// verbose: the errors carry their schema, so an unknown field's message can list the known ones.
const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

const INPUT_WORDING: ErrorWording = { subject: 'input', member: (path) => `input.${path}`, noun: 'field' };

export class PlanRegistry {
  private readonly plans = new Map<string, Promise<Plan>>();
  private readonly inputValidators = new WeakMap<Plan, ValidateFunction | null>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Throws when a valid definition is still too large for the engine's limits. */
    private readonly checkLimits: (text: string, plan: Plan) => void = () => undefined,
  ) {}

  /** Validates and stores `text` (YAML or JSON). Throws DEFINITION_INVALID with every problem. */
  async register(text: string, file = 'workflow.yaml'): Promise<Registered> {
    const { plan, definition, problems } = loadPlan(text, file);
    if (!plan || !definition) {
      throw new SegueError('DEFINITION_INVALID', `${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems);
    }
    this.checkLimits(text, plan);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const latest = await this.store.getDefinition(plan.name);
      const version = definition.version ?? (latest?.hash === plan.hash ? latest.version : (latest?.version ?? 0) + 1);
      try {
        const { definition: stored, created } = await this.store.putDefinition({
          name: plan.name,
          version,
          hash: plan.hash,
          source: text,
          definition: definition as unknown as Json,
          createdAt: this.clock.now(),
        });
        return { name: stored.name, version: stored.version, created, schedules: definition.schedules ?? [] };
      } catch (err) {
        // Another process took that version number first: look again, unless it was declared.
        if (definition.version !== undefined) throw new SegueError('CONFLICT', (err as Error).message);
      }
    }
    throw new SegueError('CONFLICT', `could not register "${plan.name}": its version kept changing; try again`);
  }

  /** The compiled plan of `name` at `version` (latest when absent). */
  async get(name: string, version?: number): Promise<Plan> {
    // The latest version is looked up (another process may have registered one), but its plan
    // compiled here before is used as it is: a version's definition never changes.
    const wanted = version ?? (await this.store.latestDefinitionVersion(name));
    const cached = wanted === null ? undefined : this.plans.get(key(name, wanted));
    if (cached) return cached;
    // The version just found is read by number: no second search for the latest, none for a name never registered.
    const stored = wanted === null ? null : await this.store.getDefinition(name, wanted);
    if (!stored) {
      const which = version === undefined ? '' : ` version ${version}`;
      throw new SegueError('NOT_FOUND', `workflow "${name}"${which} is not registered`);
    }
    return this.compile(stored);
  }

  private compile(stored: StoredDefinition): Promise<Plan> {
    const k = key(stored.name, stored.version);
    let plan = this.plans.get(k);
    if (!plan) {
      plan = Promise.resolve(compileStoredPlan(stored.definition as JsonObject, stored.name, stored.version));
      this.plans.set(k, plan);
    }
    return plan;
  }

  /** Checks a start input against the workflow's `input` schema; throws INPUT_INVALID. */
  checkInput(plan: Plan, input: Json): void {
    const errors = this.inputErrors(plan, input);
    if (errors.length === 0) return;
    throw new SegueError('INPUT_INVALID', `the input does not match the input schema of "${plan.name}": ${describeErrors(errors, INPUT_WORDING)}`);
  }

  /**
   * Checks patched instance data against the `input` schema. Data grows past the input as steps
   * write their results, so only what the patch breaks counts: errors the data had before are not
   * the patch's. Throws INPUT_INVALID.
   */
  checkPatchedData(plan: Plan, before: Json, after: Json): void {
    const known = new Set(this.inputErrors(plan, before).map(errorKey));
    const added = this.inputErrors(plan, after).filter((e) => !known.has(errorKey(e)));
    if (added.length === 0) return;
    throw new SegueError('INPUT_INVALID', `the patched data does not match the input schema of "${plan.name}": ${describeErrors(added, INPUT_WORDING)}`);
  }

  private inputErrors(plan: Plan, data: Json): ErrorObject[] {
    let validate = this.inputValidators.get(plan);
    if (validate === undefined) {
      validate = plan.inputSchema ? ajv.compile(plan.inputSchema) : null;
      this.inputValidators.set(plan, validate);
    }
    return !validate || validate(data) ? [] : [...(validate.errors ?? [])];
  }
}

function errorKey(e: ErrorObject): string {
  return `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`;
}

function key(name: string, version: number): string {
  return `${name}@${version}`;
}
