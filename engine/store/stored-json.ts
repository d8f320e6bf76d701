/**
 * How the stores keep opaque JSON (instance state, task and timer inputs, history details, the
 * set-aside marks, schedules): as its text, or, with a data key configured, sealed with
 * AES-256-GCM. Both adapters turn values into stored form and back only through a StoredJson, so
 * this module is the one place that knows the cipher and the keys.
 *
 * A sealed value is bytes (a BLOB in SQLite, BinData in MongoDB), where plain values are text:
 *
 *   0xFF 'S' 'J' version(1) flags(1) idLength(1) keyId iv(12) ciphertext tag(16)
 *
 * The header (magic to keyId) is authenticated as additional data. The first byte can begin
 * neither UTF-8 text nor a raw deflate stream (its block type would be the reserved 11), so a
 * sealed value is told apart from every other stored form by its first byte. Flag 1: the
 * plaintext was deflated before it was sealed (long history batches). Where a field must stay a
 * string (an index selects on its type), the same bytes are kept as base64, which begins "/1NK"
 * where JSON text never begins with "/".
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Json } from '../../definitions/model.js';
import { parseJson } from './checks.js';
import { StoreError } from './errors.js';

export interface DataKey {
  /** Names the key in every value sealed with it, so the key can be found again after rotation. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export interface DataKeys {
  /** Seals every value written. */
  current: DataKey;
  /** Still open values sealed before a rotation. */
  old: DataKey[];
}

const MAGIC = Buffer.from([0xff, 0x53, 0x4a]);
const SEALED_TEXT_PREFIX = MAGIC.toString('base64');
const VERSION = 1;
const DEFLATED = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export const DATA_KEY_VARIABLE = 'SEGUE_DATA_KEY';
export const OLD_DATA_KEYS_VARIABLE = 'SEGUE_OLD_DATA_KEYS';

/** `<id>:<32 bytes in base64>`, as SEGUE_DATA_KEY and each entry of SEGUE_OLD_DATA_KEYS hold it. */
export function parseDataKey(text: string, where: string): DataKey {
  const colon = text.indexOf(':');
  const id = colon < 0 ? '' : text.slice(0, colon).trim();
  if (!KEY_ID.test(id)) {
    throw new StoreError('STORE_INVALID', `${where} must be "<key id>:<base64 of 32 bytes>", the id of 1 to 64 letters, digits, ".", "_" or "-"`);
  }
  const encoded = text.slice(colon + 1).trim();
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(encoded)) {
    throw new StoreError('STORE_INVALID', `${where}: key "${id}" must be 32 bytes in base64, 44 characters (e.g. from \`openssl rand -base64 32\`)`);
  }
  const key = Buffer.from(encoded, 'base64');
  return { id, key };
}

/** The keys SEGUE_DATA_KEY and SEGUE_OLD_DATA_KEYS (comma-separated) name, or undefined when no key is set. */
export function dataKeysFromEnv(env: NodeJS.ProcessEnv = process.env): DataKeys | undefined {
  const current = env[DATA_KEY_VARIABLE]?.trim();
  const oldText = env[OLD_DATA_KEYS_VARIABLE]?.trim() ?? '';
  if (!current) {
    if (oldText) throw new StoreError('STORE_INVALID', `${OLD_DATA_KEYS_VARIABLE} is set but ${DATA_KEY_VARIABLE} is not: set the key new values are sealed with`);
    return undefined;
  }
  const keys: DataKeys = {
    current: parseDataKey(current, DATA_KEY_VARIABLE),
    old: oldText.split(',').filter((entry) => entry.trim() !== '').map((entry, i) => parseDataKey(entry, `${OLD_DATA_KEYS_VARIABLE} entry ${i + 1}`)),
  };
  checkKeys(keys);
  return keys;
}

function checkKeys(keys: DataKeys): void {
  const seen = new Set<string>();
  for (const { id } of [keys.current, ...keys.old]) {
    if (seen.has(id)) throw new StoreError('STORE_INVALID', `data key id "${id}" is given twice; every key needs an id of its own`);
    seen.add(id);
  }
}

/** True when the bytes are a sealed value. */
export function isSealed(bytes: Uint8Array): boolean {
  return bytes.length > MAGIC.length && bytes[0] === MAGIC[0] && bytes[1] === MAGIC[1] && bytes[2] === MAGIC[2];
}

export type StoredForm = string | Buffer;

export class StoredJson {
  private readonly byId = new Map<string, Buffer>();
  private readonly current: DataKey | undefined;

  constructor(keys?: DataKeys) {
    if (!keys) return;
    checkKeys(keys);
    for (const { id, key } of [keys.current, ...keys.old]) {
      if (key.length !== 32) throw new StoreError('STORE_INVALID', `data key "${id}" must be 32 bytes, got ${key.length}`);
      this.byId.set(id, key);
    }
    this.current = keys.current;
  }

  /** The id of the key values are sealed with, or null when they are stored as text. */
  get keyId(): string | null {
    return this.current?.id ?? null;
  }

  /** JSON text as it is stored: the text, or sealed under the current key (deflated first when asked). */
  encode(json: string, deflate = false): StoredForm {
    const current = this.current;
    if (!current) return json;
    const plain = deflate ? deflateRawSync(json, { level: 1 }) : Buffer.from(json, 'utf8');
    const id = Buffer.from(current.id, 'utf8');
    const header = Buffer.concat([MAGIC, Buffer.from([VERSION, deflate ? DEFLATED : 0, id.length]), id]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    cipher.setAAD(header);
    return Buffer.concat([header, iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }

  stringify(value: unknown): StoredForm {
    return this.encode(JSON.stringify(value));
  }

  /** As stringify, always as text: sealed bytes in base64. */
  stringifyText(value: unknown): string {
    const stored = this.stringify(value);
    return typeof stored === 'string' ? stored : stored.toString('base64');
  }

  /** A value in stored form back to its JSON text; `what` names it in errors. */
  decode(stored: string | Uint8Array, what: string): string {
    if (typeof stored === 'string') {
      return stored.startsWith(SEALED_TEXT_PREFIX) ? this.open(Buffer.from(stored, 'base64'), what) : stored;
    }
    if (!isSealed(stored)) throw new StoreError('STORE_CORRUPT', `stored ${what} is neither JSON text nor a sealed value`);
    return this.open(Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength), what);
  }

  parse<T = Json>(stored: string | Uint8Array, what: string): T {
    return parseJson<T>(this.decode(stored, what), what);
  }

  private open(sealed: Buffer, what: string): string {
    const version = sealed[MAGIC.length];
    const flags = sealed[MAGIC.length + 1]!;
    const idLength = sealed[MAGIC.length + 2]!;
    const headerLength = MAGIC.length + 3 + idLength;
    if (version !== VERSION || sealed.length < headerLength + IV_BYTES + TAG_BYTES) {
      throw new StoreError('STORE_CORRUPT', `stored ${what} is sealed in a form this build cannot read (version ${version})`);
    }
    const id = sealed.subarray(MAGIC.length + 3, headerLength).toString('utf8');
    const key = this.byId.get(id);
    if (!key) {
      const hint = this.current
        ? `it is neither ${DATA_KEY_VARIABLE} ("${this.current.id}") nor in ${OLD_DATA_KEYS_VARIABLE}; add it there`
        : `no data key is configured; set ${DATA_KEY_VARIABLE} (or list "${id}" in ${OLD_DATA_KEYS_VARIABLE})`;
      throw new StoreError('STORE_KEY', `stored ${what} is encrypted with data key "${id}", which this engine does not have: ${hint}`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(headerLength, headerLength + IV_BYTES));
    decipher.setAAD(sealed.subarray(0, headerLength));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed.subarray(headerLength + IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch (err) {
      throw new StoreError(
        'STORE_KEY',
        `stored ${what} does not decrypt with data key "${id}": the key configured under that id is not the one it was sealed with, or the value was altered`,
        { cause: err },
      );
    }
    if (!(flags & DEFLATED)) return plain.toString('utf8');
    try {
      return inflateRawSync(plain).toString('utf8');
    } catch (err) {
      throw new StoreError('STORE_CORRUPT', `stored ${what} cannot be decompressed`, { cause: err });
    }
  }
}

/** Values stored as text, sealed values refused with the name of their key. */
export const PLAIN_JSON = new StoredJson();
