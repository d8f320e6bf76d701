/**
 * Where the engine's own HTTP calls may go. Private, loopback, link-local (cloud metadata at
 * 169.254.169.254 among them) and other special ranges are refused unless explicitly allowed;
 * an allow-list, when given, limits calls to the hosts it names. Checked on the address actually
 * connected to (a DNS lookup hook), so a name that resolves to a private address is refused too.
 * An IPv6 address that carries an IPv4 address (mapped, NAT64, 6to4, …) is judged by that one.
 */
import { BlockList, isIP } from 'node:net';

export interface HttpPolicy {
  /**
   * Hosts calls may go to: names (`api.example.com`, `*.example.com`), addresses or CIDR ranges
   * (`10.1.2.0/24`). `*` (the default) allows every public address. Naming a host, address or
   * range here allows it even when it is private (that is how such a call is explicitly allowed).
   */
  allowHosts: string[];
  /** Largest response body kept, bytes. Default 1 MiB. */
  maxResponseBytes: number;
  /** Redirects followed, each checked again. Default 5. */
  maxRedirects: number;
  /** Attempt timeout when the step sets none, ms. Default 30 s. */
  defaultTimeoutMs: number;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = { allowHosts: ['*'], maxResponseBytes: 1024 * 1024, maxRedirects: 5, defaultTimeoutMs: 30_000 };

/** `SEGUE_HTTP_ALLOW` (comma-separated) replaces the allow-list. */
export function httpPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<HttpPolicy> {
  const allow = env.SEGUE_HTTP_ALLOW?.split(',').map((h) => h.trim()).filter(Boolean);
  return allow && allow.length > 0 ? { allowHosts: allow } : {};
}

const SPECIAL_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4'];
// 64:ff9b:1::/48 is NAT64 for local use (RFC 8215): where it carries the IPv4 address is the
// network's choice, so the whole range is refused.
const SPECIAL_V6 = ['::/128', '::1/128', '64:ff9b:1::/48', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

const special = new BlockList();
for (const range of SPECIAL_V4) addRange(special, range);
for (const range of SPECIAL_V6) addRange(special, range);

function addRange(list: BlockList, range: string): void {
  const [address, bits] = range.split('/') as [string, string | undefined];
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) list.addAddress(address, family);
  else list.addSubnet(address, Number(bits), family);
}

export class HostRules {
  private readonly anyPublic: boolean;
  private readonly names: string[];
  private readonly suffixes: string[];
  private readonly addresses = new BlockList();

  constructor(allowHosts: string[]) {
    this.anyPublic = allowHosts.includes('*');
    this.names = allowHosts.filter((h) => !h.startsWith('*') && isIP(h.split('/')[0]!) === 0).map((h) => h.toLowerCase());
    this.suffixes = allowHosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1).toLowerCase());
    for (const h of allowHosts) if (isIP(h.split('/')[0]!) !== 0) addRange(this.addresses, h);
  }

  /** Why a call to host name `host` is refused before any lookup, or null. */
  checkName(host: string): string | null {
    const name = host.toLowerCase().replace(/^\[|\]$/g, '');
    if (isIP(name) !== 0) return this.checkAddress(name, name);
    if (this.anyPublic || this.names.includes(name) || this.suffixes.some((s) => name.endsWith(s))) return null;
    if (this.addresses.rules.length > 0) return null; // decided on the resolved address
    return `host "${name}" is not in the allowed hosts (SEGUE_HTTP_ALLOW)`;
  }

  /** Why connecting to `address` (resolved from `host`) is refused, or null. */
  checkAddress(host: string, address: string): string | null {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const carried = family === 'ipv6' ? embeddedIPv4(address) : null;
    const shown = carried === null ? address : `${address} (IPv4 ${carried})`;
    const name = host.toLowerCase();
    const named = this.names.includes(name) || this.suffixes.some((s) => name.endsWith(s));
    const matches = (list: BlockList): boolean => list.check(address, family) || (carried !== null && list.check(carried, 'ipv4'));
    // An address, range or host named in the allow-list is explicitly allowed, private or not.
    if (named || matches(this.addresses)) return null;
    if (matches(special)) {
      return `${host} resolves to ${shown}, a private, loopback or link-local address; allow it explicitly by address or range in SEGUE_HTTP_ALLOW`;
    }
    if (this.anyPublic) return null;
    return `host "${host}" (${shown}) is not in the allowed hosts (SEGUE_HTTP_ALLOW)`;
  }
}

/**
 * The IPv4 address an IPv6 address delivers to, or null: IPv4-mapped (::ffff:0:0/96, either
 * notation), IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96), NAT64 (64:ff9b::/96),
 * 6to4 (2002::/16, the next 32 bits) and Teredo (2001::/32, the client's address, stored inverted).
 */
export function embeddedIPv4(address: string): string | null {
  const h = hextets(address);
  if (h === null) return null;
  const zero = (from: number, to: number): boolean => h.slice(from, to).every((x) => x === 0);
  const v4 = (high: number, low: number): string => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  if (zero(0, 7) && h[7]! <= 1) return null; // :: and ::1 are IPv6's own, not IPv4-compatible
  if (zero(0, 5) && (h[5] === 0 || h[5] === 0xffff)) return v4(h[6]!, h[7]!);
  if (zero(0, 4) && h[4] === 0xffff && h[5] === 0) return v4(h[6]!, h[7]!);
  if (h[0] === 0x64 && h[1] === 0xff9b && zero(2, 6)) return v4(h[6]!, h[7]!);
  if (h[0] === 0x2002) return v4(h[1]!, h[2]!);
  if (h[0] === 0x2001 && h[1] === 0) return v4(h[6]! ^ 0xffff, h[7]! ^ 0xffff);
  return null;
}

/** The eight 16-bit groups of an IPv6 address (zone left out), or null when it is not one. */
function hextets(address: string): number[] | null {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  if (isIP(bare) !== 6) return null;
  // The URL parser writes every IPv6 form (dotted tail included) as compressed hexadecimal.
  const canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.split('::') as [string, string | undefined];
  const groups = (part: string | undefined): number[] => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
