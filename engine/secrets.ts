/**
 * Secrets: `$secret('name')` in a template gives a placeholder (definitions/expressions.ts); the
 * value is filled in only in what a worker receives and in the engine's own HTTP calls. What comes
 * back (outputs, error messages) has every known secret value replaced by its placeholder again,
 * so a value never reaches the instance data, the history, the store or an API answer.
 */
import type { Json } from '../definitions/model.js';
import { SECRET_CLOSE, SECRET_OPEN, secretPlaceholder } from '../definitions/expressions.js';
import { SegueError } from './errors.js';

export interface Secrets {
  /** Every secret by name (names as written in `$secret('…')`). */
  readonly values: ReadonlyMap<string, string>;
  /**
   * Each value with the name its placeholder shows when the value comes back, longest value first
   * (so that a secret containing another is concealed whole): the configured name, or for an
   * environment variable the secret's name in lower case — never the variable's name.
   */
  readonly placeholders: ReadonlyMap<string, string>;
}

const ENV_PREFIX = 'SEGUE_SECRET_';

/**
 * Secrets from configuration, plus every `SEGUE_SECRET_<NAME>` environment variable (as `<name>`
 * in lower case and as written), configuration first.
 */
export function loadSecrets(config: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env): Secrets {
  const values = new Map<string, string>();
  const names = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(ENV_PREFIX) || !value) continue;
    const name = key.slice(ENV_PREFIX.length);
    values.set(name, value);
    values.set(name.toLowerCase(), value);
    names.set(value, name.toLowerCase());
  }
  for (const [name, value] of Object.entries(config)) {
    if (!value) continue;
    values.set(name, value);
    names.set(value, name);
  }
  const placeholders = new Map([...names].sort(([a], [b]) => b.length - a.length));
  return { values, placeholders };
}

const PLACEHOLDER = new RegExp(`${SECRET_OPEN}([^${SECRET_CLOSE}]*)${SECRET_CLOSE}`, 'g');

/** Fills in the secrets named in `value`; SECRET_MISSING names the first one not configured. */
export function revealSecrets(value: Json, secrets: Secrets): Json {
  // Most inputs hold no placeholder: one native encode to find out beats walking every string.
  if (!JSON.stringify(value).includes(SECRET_OPEN)) return value;
  return mapStrings(value, (text) =>
    text.includes(SECRET_OPEN)
      ? text.replace(PLACEHOLDER, (_, name: string) => {
          const secret = secrets.values.get(name);
          if (secret === undefined) {
            throw new SegueError('SECRET_MISSING', `secret "${name}" is not configured; set it in the engine's secrets or as ${ENV_PREFIX}${name.toUpperCase()}`);
          }
          return secret;
        })
      : text,
  );
}

/** Replaces every known secret value in `value` by its placeholder. */
export function concealSecrets<T extends Json>(value: T, secrets: Secrets): T {
  if (secrets.placeholders.size === 0) return value;
  return mapStrings(value, (text) => concealText(text, secrets)) as T;
}

export function concealText(text: string, secrets: Secrets): string {
  let out = text;
  for (const [secret, name] of secrets.placeholders) if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(secretPlaceholder(name));
  return out;
}

function mapStrings(value: Json, f: (text: string) => string): Json {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, f);
    return out;
  }
  return value;
}
