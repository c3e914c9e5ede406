/**
 * IpAddress / NotIpAddress: "The value must be in the standard CIDR format (for example,
 * 203.0.113.0/24 or 2001:DB8:1234:5678::/64). If you specify an IP address without the associated
 * routing prefix, IAM uses the default prefix value of /32" (IAM JSON policy elements: Condition
 * operators, IP address). An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is compared as IPv4.
 */

// Module-level patterns: request-time parsing creates no RegExp objects.
const DEC_OCTET = /^\d{1,3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export interface Cidr {
  readonly bytes: Uint8Array; // 4 or 16
  readonly prefix: number;
}

export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  const text = slash < 0 ? s : s.slice(0, slash);
  const addr = parseIp(text);
  if (!addr) return null;
  const max = addr.length * 8;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!DEC_OCTET.test(p)) return null;
    prefix = Number(p);
    // An IPv4-mapped IPv6 range (::ffff:10.0.0.0/104) is compared as IPv4 (/8).
    if (addr.length === 4 && text.includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > max) return null;
  }
  return { bytes: addr, prefix };
}

export function cidrContains(c: Cidr, ip: Uint8Array): boolean {
  if (c.bytes.length !== ip.length) return false;
  let bits = c.prefix;
  for (let k = 0; bits > 0; k++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((c.bytes[k]! & mask) !== (ip[k]! & mask)) return false;
  }
  return true;
}

/** 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; null if not an address. */
export function parseIp(s: string): Uint8Array | null {
  if (s.includes(':')) {
    const v6 = parseV6(s);
    if (v6 && isV4Mapped(v6)) return v6.subarray(12);
    return v6;
  }
  return parseV4(s);
}

function parseV4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let k = 0; k < 4; k++) {
    const p = parts[k]!;
    if (!DEC_OCTET.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[k] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  const zone = s.indexOf('%');
  if (zone >= 0) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups: number[] = [];
  const push = (list: string[], isLast: boolean): boolean => {
    for (let k = 0; k < list.length; k++) {
      const g = list[k]!;
      if (isLast && k === list.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (!v4) return false;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!HEX_GROUP.test(g)) return false;
      groups.push(parseInt(g, 16));
    }
    return true;
  };
  if (!push(h, dbl < 0)) return null;
  const headCount = groups.length;
  if (!push(t, true)) return null;
  if (dbl >= 0) {
    if (groups.length > 7) return null;
    groups.splice(headCount, 0, ...new Array<number>(8 - groups.length).fill(0));
  } else if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  for (let k = 0; k < 8; k++) {
    out[2 * k] = groups[k]! >> 8;
    out[2 * k + 1] = groups[k]! & 0xff;
  }
  return out;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let k = 0; k < 10; k++) if (b[k] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
