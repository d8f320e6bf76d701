/**
 * The tokens of task steps that wait for a callback (ASL's `.waitForTaskToken`). A token names
 * the instance and the wait it was made for, so that whoever sends it back reaches that instance
 * without any lookup, and ends in a nonce of 128 random bits that the instance keeps in the
 * step's wait: a token is taken only while a step waits with exactly that token, so it can be
 * neither guessed, nor used twice, nor used after its wait ended.
 *
 * Form: base64url of `<instance id>:<run>:cb<n>` (the wait's deterministic id), a dot, and the
 * nonce as 32 hex digits. The randomness is the decision's, so decide stays pure and replayable.
 */
const NONCE_WORDS = 4;
/** The form of every token, for those that check it before asking an instance (the API's path parameter). */
export const CALLBACK_TOKEN_PATTERN = '^[A-Za-z0-9_-]+\\.[0-9a-f]{32}$';
const TOKEN = /^([A-Za-z0-9_-]+)\.[0-9a-f]{32}$/;
const WAIT_ID = /^(.+):\d+:cb\d+$/;

/** A new token for the wait `waitId` (an id of the instance's own, from `Decision.newId`). */
export function newCallbackToken(waitId: string, random: () => number): string {
  let nonce = '';
  for (let i = 0; i < NONCE_WORDS; i += 1) nonce += Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
  return `${base64url(waitId)}.${nonce}`;
}

/** The instance a token names, or null when the text is no token of this form. */
export function instanceOfCallbackToken(token: string): string | null {
  const parts = TOKEN.exec(token);
  if (!parts) return null;
  const waitId = fromBase64url(parts[1]!);
  return waitId === null ? null : (WAIT_ID.exec(waitId)?.[1] ?? null);
}

/** Compares a token sent back with the one a wait keeps, in time that does not depend on where they differ. */
export function sameToken(given: string, kept: string): boolean {
  if (given.length !== kept.length) return false;
  let difference = 0;
  for (let i = 0; i < kept.length; i += 1) difference |= given.charCodeAt(i) ^ kept.charCodeAt(i);
  return difference === 0;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c += 1) out += ALPHABET[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

function fromBase64url(text: string): string | null {
  if (text.length % 4 === 1) return null;
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    value = ((value << 6) | ALPHABET.indexOf(char)) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 255);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}
