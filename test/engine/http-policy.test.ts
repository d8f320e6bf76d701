/** The address policy of the engine's own HTTP calls, on IPv6 forms that carry an IPv4 address. */
import { describe, expect, it } from 'vitest';
import { embeddedIPv4, HostRules } from '../../engine/http-policy.js';

const PRIVATE = 'a private, loopback or link-local address';

describe('IPv6 addresses that carry an IPv4 address', () => {
  it.each([
    ['IPv4-compatible, dotted', '::127.0.0.1', '127.0.0.1'],
    ['IPv4-compatible, hexadecimal', '::7f00:1', '127.0.0.1'],
    ['IPv4-mapped, dotted', '::ffff:127.0.0.1', '127.0.0.1'],
    ['IPv4-mapped, hexadecimal', '::ffff:7f00:1', '127.0.0.1'],
    ['IPv4-mapped, written out', '0:0:0:0:0:ffff:a9fe:a9fe', '169.254.169.254'],
    ['IPv4-translated', '::ffff:0:a00:1', '10.0.0.1'],
    ['NAT64', '64:ff9b::7f00:1', '127.0.0.1'],
    ['NAT64, dotted', '64:ff9b::192.168.1.1', '192.168.1.1'],
    ['6to4', '2002:7f00:1::', '127.0.0.1'],
    ['6to4 with a host part', '2002:a9fe:a9fe:1::5', '169.254.169.254'],
    ['Teredo (client address inverted)', '2001:0:4136:e378:8000:63bf:80ff:fffe', '127.0.0.1'],
  ])('refuses %s (%s) by the class of %s', (_, address, carried) => {
    expect(embeddedIPv4(address)).toBe(carried);
    const rules = new HostRules(['*']);
    expect(rules.checkName(`[${address}]`)).toBe(
      `${address} resolves to ${address} (IPv4 ${carried}), ${PRIVATE}; allow it explicitly by address or range in SEGUE_HTTP_ALLOW`,
    );
    expect(rules.checkAddress('internal.example.com', address)).toContain(`(IPv4 ${carried}), ${PRIVATE}`);
  });

  it.each([
    ['NAT64', '64:ff9b::808:808'],
    ['6to4', '2002:808:808::1'],
    ['IPv4-mapped', '::ffff:8.8.8.8'],
    ['Teredo', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'],
  ])('allows %s of a public IPv4 address (%s)', (_, address) => {
    expect(new HostRules(['*']).checkName(`[${address}]`)).toBeNull();
  });

  it('allows an embedded address that the allow-list names, and refuses it outside an allow-list', () => {
    expect(new HostRules(['127.0.0.0/8']).checkName('[64:ff9b::7f00:1]')).toBeNull();
    expect(new HostRules(['10.0.0.0/8']).checkName('[2002:808:808::]')).toBe(
      'host "2002:808:808::" (2002:808:808:: (IPv4 8.8.8.8)) is not in the allowed hosts (SEGUE_HTTP_ALLOW)',
    );
  });

  it('keeps IPv6 addresses of their own apart: ::1 is loopback, ::, unique-local and the local-use NAT64 range are refused', () => {
    expect(embeddedIPv4('::1')).toBeNull();
    expect(embeddedIPv4('2001:db8::1')).toBeNull();
    expect(embeddedIPv4('2606:4700::1111')).toBeNull();
    const rules = new HostRules(['*']);
    for (const address of ['::1', '::', 'fd00::1', '64:ff9b:1::7f00:1']) expect(rules.checkName(`[${address}]`)).toBe(
      `${address} resolves to ${address}, ${PRIVATE}; allow it explicitly by address or range in SEGUE_HTTP_ALLOW`,
    );
    expect(rules.checkName('[2606:4700::1111]')).toBeNull();
  });
});
