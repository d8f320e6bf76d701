/** The cipher of the stores' opaque JSON: sealing, rotation, and the errors of a missing or wrong key. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dataKeysFromEnv, isSealed, PLAIN_JSON, StoredJson, type DataKey } from '../../engine/store/stored-json.js';

const key = (id: string): DataKey => ({ id, key: randomBytes(32) });
const MARKER = 'marker-7f3a9c';
const value = { card: MARKER, amounts: [1, 2.5], nested: { é: 'ü' } };

describe('StoredJson', () => {
  it('seals JSON so the text is not in the bytes, and opens it again', () => {
    const json = new StoredJson({ current: key('k1'), old: [] });
    const sealed = json.stringify(value);
    expect(Buffer.isBuffer(sealed) && isSealed(sealed)).toBe(true);
    expect(sealed.toString('latin1')).not.toContain(MARKER);
    expect(sealed.toString('latin1')).toContain('k1');
    expect(json.parse(sealed, 'test value')).toEqual(value);
    // A fresh IV each time: the same value never seals to the same bytes.
    expect(json.stringify(value)).not.toEqual(sealed);
  });

  it('deflates before sealing when asked, and opens either form', () => {
    const json = new StoredJson({ current: key('k1'), old: [] });
    const long = JSON.stringify({ items: Array.from({ length: 200 }, () => MARKER) });
    const deflated = json.encode(long, true) as Buffer;
    expect(deflated.length).toBeLessThan(long.length / 4);
    expect(json.decode(deflated, 'batch')).toBe(long);
    expect(json.decode(json.encode(long), 'batch')).toBe(long);
  });

  it('keeps a sealed value as text where a field must be a string, and opens that too', () => {
    const json = new StoredJson({ current: key('k1'), old: [] });
    const text = json.stringifyText(value);
    expect(text).toMatch(/^\/1NK/);
    expect(text).not.toContain(MARKER);
    expect(json.parse(text, 'set-aside mark')).toEqual(value);
    expect(PLAIN_JSON.stringifyText(value)).toBe(JSON.stringify(value));
  });

  it('stores text as it is without a key, and reads text written before a key was set', () => {
    expect(PLAIN_JSON.stringify(value)).toBe(JSON.stringify(value));
    const json = new StoredJson({ current: key('k1'), old: [] });
    expect(json.parse(JSON.stringify(value), 'old row')).toEqual(value);
  });

  it('after a rotation opens values sealed with the old key and seals new ones with the new', () => {
    const k1 = key('k1');
    const before = new StoredJson({ current: k1, old: [] }).stringify(value);
    const rotated = new StoredJson({ current: key('k2'), old: [k1] });
    expect(rotated.parse(before, 'old value')).toEqual(value);
    expect((rotated.stringify(value) as Buffer).toString('latin1')).toContain('k2');
  });

  it('names the key id when the key is missing, never returning garbage', () => {
    const sealed = new StoredJson({ current: key('k1'), old: [] }).stringify(value);
    expect(() => new StoredJson({ current: key('k2'), old: [] }).parse(sealed, 'state of instance "i-1"')).toThrow(
      expect.objectContaining({
        code: 'STORE_KEY',
        message:
          'stored state of instance "i-1" is encrypted with data key "k1", which this engine does not have: it is neither SEGUE_DATA_KEY ("k2") nor in SEGUE_OLD_DATA_KEYS; add it there',
      }),
    );
    expect(() => PLAIN_JSON.parse(sealed, 'state of instance "i-1"')).toThrow(
      expect.objectContaining({ code: 'STORE_KEY', message: expect.stringContaining('"k1", which this engine does not have: no data key is configured; set SEGUE_DATA_KEY') }),
    );
  });

  it('names the key id when the key under that id is another one, or the bytes were altered', () => {
    const sealed = new StoredJson({ current: key('k1'), old: [] }).stringify(value) as Buffer;
    const wrong = new StoredJson({ current: key('k1'), old: [] });
    const expected = expect.objectContaining({
      code: 'STORE_KEY',
      message: 'stored task input does not decrypt with data key "k1": the key configured under that id is not the one it was sealed with, or the value was altered',
    });
    expect(() => wrong.parse(sealed, 'task input')).toThrow(expected);
    const right = new StoredJson({ current: { id: 'k1', key: Buffer.alloc(32, 1) }, old: [] });
    const altered = Buffer.from(right.stringify(value) as Buffer);
    altered[altered.length - 20]! ^= 1;
    expect(() => right.parse(altered, 'task input')).toThrow(expected);
  });
});

describe('data keys from the environment', () => {
  const b64 = randomBytes(32).toString('base64');

  it('reads the current key and the old ones, each with its id', () => {
    const keys = dataKeysFromEnv({ SEGUE_DATA_KEY: `k3:${b64}`, SEGUE_OLD_DATA_KEYS: `k1:${b64}, k2:${b64}` });
    expect(keys?.current.id).toBe('k3');
    expect(keys?.current.key).toEqual(Buffer.from(b64, 'base64'));
    expect(keys?.old.map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(dataKeysFromEnv({})).toBeUndefined();
  });

  it('refuses a malformed setting, saying which and how to write it', () => {
    const refused = (env: Record<string, string>, message: string) =>
      expect(() => dataKeysFromEnv(env)).toThrow(expect.objectContaining({ code: 'STORE_INVALID', message }));
    refused({ SEGUE_DATA_KEY: b64 }, 'SEGUE_DATA_KEY must be "<key id>:<base64 of 32 bytes>", the id of 1 to 64 letters, digits, ".", "_" or "-"');
    refused(
      { SEGUE_DATA_KEY: 'k1:c2hvcnQ=' },
      'SEGUE_DATA_KEY: key "k1" must be 32 bytes in base64, 44 characters (e.g. from `openssl rand -base64 32`)',
    );
    refused({ SEGUE_DATA_KEY: `k1:${b64}`, SEGUE_OLD_DATA_KEYS: `k0:${b64},k1:${b64}` }, 'data key id "k1" is given twice; every key needs an id of its own');
    refused({ SEGUE_DATA_KEY: `k1:${b64}`, SEGUE_OLD_DATA_KEYS: 'k0' }, expect.stringContaining('SEGUE_OLD_DATA_KEYS entry 1 must be') as unknown as string);
    refused({ SEGUE_OLD_DATA_KEYS: `k0:${b64}` }, 'SEGUE_OLD_DATA_KEYS is set but SEGUE_DATA_KEY is not: set the key new values are sealed with');
  });
});
