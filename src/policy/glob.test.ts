import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { arnPatternFromString, globFromPattern, globFromUnits, matchArnParts, matchGlob, QMARK, splitArn, STAR } from './glob.ts';
import { parseCidr, parseIp, cidrContains } from './ip.ts';
import { parseTemplate, resolveGlob, resolveString } from './variables.ts';

/** Reference semantics, built with a regular expression (tests only). */
function reference(pattern: string, s: string, partSeparator = false): boolean {
  const any = partSeparator ? '[^:]' : '[\\s\\S]';
  const body = [...pattern].map((c) => (c === '*' ? `${any}*` : c === '?' ? any : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`).test(s);
}

const patternArb = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', ':'), maxLength: 10 });
const valueArb = fc.string({ unit: fc.constantFrom('a', 'b', ':', '*'), maxLength: 12 });

test('matchGlob agrees with a regular-expression reference', () => {
  fc.assert(
    fc.property(patternArb, valueArb, (p, s) => {
      assert.equal(matchGlob(globFromPattern(p), s), reference(p, s), `pattern ${p} value ${s}`);
    }),
    { numRuns: 5000 },
  );
});

test('ARN-part matching: a wildcard never crosses one of the first five colons', () => {
  const partArb = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?'), maxLength: 3 });
  const valuePart = fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 3 });
  fc.assert(
    fc.property(fc.array(partArb, { minLength: 6, maxLength: 6 }), fc.array(valuePart, { minLength: 6, maxLength: 6 }), (pp, vp) => {
      const pattern = pp.join(':');
      const value = vp.join(':');
      const want = pp.every((part, k) => reference(part, vp[k]!));
      assert.equal(matchArnParts(arnPatternFromString(pattern), splitArn(value)), want, `${pattern} vs ${value}`);
    }),
    { numRuns: 3000 },
  );
});

test('ARN-part matching: the resource part keeps its colons; short patterns take the rest', () => {
  const v = splitArn('arn:aws:logs:us-east-1:111122223333:log-group:app:stream');
  assert.equal(v.parts.length, 6);
  assert.equal(v.parts[5], 'log-group:app:stream');
  assert.ok(matchArnParts(arnPatternFromString('arn:aws:logs:*:111122223333:log-group:*'), v));
  assert.ok(matchArnParts(arnPatternFromString('*'), v));
  assert.ok(matchArnParts(arnPatternFromString('arn:aws:*'), v));
  assert.ok(!matchArnParts(arnPatternFromString('arn:aws:s3:::*'), splitArn('bucket')));
});

test('literal units are never wildcards', () => {
  const g = globFromUnits(['a*', STAR, '?', QMARK]);
  assert.ok(matchGlob(g, 'a*xyz?!'));
  assert.ok(!matchGlob(g, 'abxyz?!'));
});

test('templates: specials, defaults, and unterminated ${ stay literal', () => {
  const get = new Map<string, string | string[]>([['aws:username', 'alice'], ['aws:tagkeys', ['a']]]);
  assert.equal(resolveString(parseTemplate('${aws:username}-${$}${*}${?}', true, false), get), 'alice-$*?');
  assert.equal(resolveString(parseTemplate("${aws:PrincipalTag/x, 'dflt'}", true, false), get), 'dflt');
  assert.equal(resolveString(parseTemplate('${aws:PrincipalTag/x}', true, false), get), null);
  assert.equal(resolveString(parseTemplate('${aws:TagKeys}', true, false), get), null, 'a multivalued key is not a variable');
  assert.equal(resolveString(parseTemplate('${aws:username', true, false), get), '${aws:username');
  assert.equal(resolveString(parseTemplate('${aws:username}', false, false), get), '${aws:username}', 'no variables in 2008-10-17');
  const g = resolveGlob(parseTemplate('home/${aws:username}/*', true, true), get)!;
  assert.ok(matchGlob(g, 'home/alice/x'));
  assert.ok(!matchGlob(g, 'home/bob/x'));
});

test('IP addresses and ranges', () => {
  assert.deepEqual([...parseIp('203.0.113.7')!], [203, 0, 113, 7]);
  assert.equal(parseIp('256.0.0.1'), null);
  assert.equal(parseIp('1.2.3'), null);
  assert.equal(parseIp('01.2.3.4.5'), null);
  assert.equal(parseIp('2001:db8::1')!.length, 16);
  assert.equal(parseIp('2001:db8::1::2'), null);
  assert.equal(parseIp('1:2:3:4:5:6:7:8:9'), null);
  assert.deepEqual([...parseIp('::ffff:10.1.2.3')!], [10, 1, 2, 3], 'IPv4-mapped compares as IPv4');
  assert.ok(cidrContains(parseCidr('::ffff:10.0.0.0/104')!, parseIp('10.9.9.9')!));
  assert.ok(cidrContains(parseCidr('2001:DB8:1234:5678::/64')!, parseIp('2001:db8:1234:5678:ffff::1')!));
  assert.ok(!cidrContains(parseCidr('10.0.0.0/9')!, parseIp('10.128.0.1')!));
  assert.ok(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('192.0.2.1')!));
  assert.ok(!cidrContains(parseCidr('0.0.0.0/0')!, parseIp('::1')!), 'an IPv4 range never holds an IPv6 address');
  assert.equal(parseCidr('10.0.0.0/33'), null);
  assert.equal(parseCidr('2001:db8::/129'), null);
});
