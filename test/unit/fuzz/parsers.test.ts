/**
 * Property tests of the text parsers (fast-check; DOCKERPOD_FUZZ_RUNS runs, the seed printed on
 * failure), with random strings (any code point) and with strings shaped like their grammar:
 * quantities never throw, answer within milliseconds even for absurd exponents, stay within int64
 * and agree with a bigint model; image references never throw and print back to exactly the text
 * they were parsed from; names and endpoints never throw and only accept what their rules say.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parseImageReference, type ImageReference } from '../../../src/api/image-ref.js';
import { isConfigMapKey, isDns1123Label, isDns1123Subdomain, isEnvVarName, isIanaServiceName, isIpAddress, isLabelValue, isQualifiedName, isSafeRelativePath } from '../../../src/api/names.js';
import { milliValue, parseQuantity, value } from '../../../src/api/quantity.js';
import { parseEndpoint } from '../../../src/api/v1alpha1/endpoint.js';
import { FUZZ_RUNS, fuzzParameters } from './arbitraries.js';

const INT64_MAX = (1n << 63n) - 1n;
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

const SUFFIXES: Record<string, bigint> = { '': 1n, k: 10n ** 3n, M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n, P: 10n ** 15n, E: 10n ** 18n, Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };

/** Quantity-shaped text: sign, digits, fraction, a suffix or an exponent (absurd ones included), now and then a stray character. */
const quantityText = fc
  .tuple(
    fc.constantFrom('', '+', '-'),
    fc.stringMatching(/^[0-9]{0,25}$/),
    fc.option(fc.stringMatching(/^\.[0-9]{0,12}$/), { nil: '' }),
    fc.oneof(fc.constantFrom(...Object.keys(SUFFIXES), 'm', 'u', 'n', 'KB', 'gi'), fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,12}$/)).map((p) => p.join(''))),
    fc.constantFrom('', '', '', ' ', '.', 'x'),
  )
  .map((parts) => parts.join(''));

/** Round half away from zero to units, as value() does: from the millis, rounded the same way. */
const unitsFromMillis = (milli: bigint): bigint => (milli >= 0n ? (milli + 999n) / 1000n : -((-milli + 999n) / 1000n));

/** The text of a parsed reference, put back together. */
const printed = (ref: ImageReference): string => `${ref.domain ? `${ref.domain}/` : ''}${ref.path}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;

/** Reference-shaped text: a registry, path components, a tag and a digest, each sometimes slightly wrong. */
const imageText = fc
  .tuple(
    fc.option(fc.constantFrom('docker.io', 'localhost', 'localhost:5000', 'registry.example.com:443', '[::1]:5000', 'Registry.Example.com', 'bad_host', '-x.com'), { nil: undefined }),
    fc.array(fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)?$|^[A-Za-z0-9_.-]{0,6}$/), { minLength: 1, maxLength: 3 }),
    fc.option(fc.stringMatching(/^[\w][\w.-]{0,10}$|^[\w.:-]{0,4}$/), { nil: undefined }),
    fc.option(fc.oneof(fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`), fc.constantFrom('sha256:abc', 'md5:0123456789abcdef0123456789abcdef', `sha512:${'A'.repeat(128)}`)), { nil: undefined }),
  )
  .map(([domain, path, tag, digest]) => `${domain ? `${domain}/` : ''}${path.join('/')}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`);

describe('fuzz: parsers', function () {
  this.timeout(Math.max(60_000, FUZZ_RUNS * 10));

  it('parseQuantity never throws, answers fast, stays within int64 and rounds consistently', function () {
    fc.assert(
      fc.property(fc.oneof(anyText, quantityText), (text) => {
        const started = performance.now();
        const q = parseQuantity(text);
        expect(performance.now() - started, text).to.be.below(50);
        if (!q) return;
        expect(q.denominator > 0n, text).to.equal(true);
        const units = value(q);
        expect(units <= INT64_MAX && units >= -INT64_MAX, text).to.equal(true);
        expect(units, text).to.equal(unitsFromMillis(milliValue(q)));
      }),
      fuzzParameters(),
    );
  });

  it('parseQuantity agrees with a bigint model on whole numbers with a suffix', function () {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 22n }), fc.constantFrom(...Object.keys(SUFFIXES)), fc.boolean(), (n, suffix, negative) => {
        const exact = n * (SUFFIXES[suffix] ?? 1n) * (negative ? -1n : 1n);
        const q = parseQuantity(`${negative ? '-' : ''}${n}${suffix}`);
        const fits = exact <= INT64_MAX && exact >= -INT64_MAX;
        expect(q === undefined ? undefined : value(q)).to.equal(fits ? exact : undefined);
      }),
      fuzzParameters(),
    );
  });

  it('parseImageReference never throws and prints back to its text', function () {
    fc.assert(
      fc.property(fc.oneof(anyText, imageText), (text) => {
        const parsed = parseImageReference(text);
        if (!parsed.ok) {
          expect(parsed.reason).to.be.a('string').and.not.equal('');
          return;
        }
        expect(printed(parsed.ref)).to.equal(text);
        expect(parsed.ref.path).to.equal(parsed.ref.path.toLowerCase());
        expect((parsed.ref.tag ?? '').length).to.be.at.most(128);
      }),
      fuzzParameters(),
    );
  });

  it('name rules never throw, and what they accept matches their grammar', function () {
    const rules = { isDns1123Label, isDns1123Subdomain, isIanaServiceName, isEnvVarName, isConfigMapKey, isQualifiedName, isLabelValue, isIpAddress, isSafeRelativePath };
    fc.assert(
      fc.property(fc.oneof(anyText, fc.stringMatching(/^[a-z0-9.\-_/]{0,70}$/)), (text) => {
        for (const [name, rule] of Object.entries(rules)) expect(rule(text), `${name}(${JSON.stringify(text)})`).to.be.an('array');
        if (isDns1123Label(text).length === 0) expect(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text) && text.length <= 63).to.equal(true);
        if (isDns1123Subdomain(text).length === 0) expect(text.length).to.be.within(1, 253);
        if (isEnvVarName(text).length === 0) expect(text).not.to.match(/^[0-9]|=|\s/);
      }),
      fuzzParameters(),
    );
  });

  it('parseEndpoint never throws, and a tcp endpoint it accepts has a port in range', function () {
    const endpointText = fc.tuple(fc.constantFrom('unix://', 'tcp://', 'ssh://', 'http://', ''), fc.string({ unit: 'binary-ascii', maxLength: 20 })).map(([scheme, rest]) => scheme + rest);
    fc.assert(
      fc.property(fc.oneof(anyText, endpointText), (text) => {
        const parsed = parseEndpoint(text);
        if (parsed.ok && parsed.endpoint.scheme !== 'unix') expect(parsed.endpoint.port).to.be.within(1, 65535);
        if (parsed.ok && parsed.endpoint.scheme === 'unix') expect(parsed.endpoint.socketPath.startsWith('/')).to.equal(true);
      }),
      fuzzParameters(),
    );
  });
});
