/**
 * Docker image references: the distribution/reference grammar splits domain, path, tag and
 * digest the way Docker does, refuses what `docker pull` refuses (with the reason), and the
 * default pull policy follows the API server's SetDefaults_Container.
 */
import { expect } from 'chai';
import { defaultPullPolicy, parseImageReference, type ImageReference } from '../../../src/api/image-ref.js';

const SHA = 'a'.repeat(64);
const SHA_DIGEST = `sha256:${SHA}`;

describe('image references', function () {
  describe('parseImageReference splits valid references', function () {
    const cases: Array<{ name: string; given: string; want: ImageReference }> = [
      { name: 'a Docker Hub short name', given: 'busybox', want: { path: 'busybox' } },
      { name: 'a short name with a tag', given: 'busybox:1.36', want: { path: 'busybox', tag: '1.36' } },
      { name: 'a Hub name with its namespace', given: 'library/busybox', want: { path: 'library/busybox' } },
      {
        name: 'a fully qualified Hub name',
        given: 'docker.io/library/busybox:latest',
        want: { domain: 'docker.io', path: 'library/busybox', tag: 'latest' },
      },
      { name: 'a registry with a port and a tag', given: 'localhost:5000/app:v1', want: { domain: 'localhost:5000', path: 'app', tag: 'v1' } },
      { name: 'a registry with a port and no tag', given: 'localhost:5000/app', want: { domain: 'localhost:5000', path: 'app' } },
      { name: 'localhost without a port', given: 'localhost/app', want: { domain: 'localhost', path: 'app' } },
      {
        name: 'a registry, port, nested path and digest',
        given: `registry.example.com:443/team/app@${SHA_DIGEST}`,
        want: { domain: 'registry.example.com:443', path: 'team/app', digest: SHA_DIGEST },
      },
      { name: 'the test images', given: 'dockerpod.dev/test/busybox:1', want: { domain: 'dockerpod.dev', path: 'test/busybox', tag: '1' } },
      { name: 'a tag and a digest', given: `app:v1@${SHA_DIGEST}`, want: { path: 'app', tag: 'v1', digest: SHA_DIGEST } },
      { name: 'a sha512 digest', given: `app@sha512:${'b'.repeat(128)}`, want: { path: 'app', digest: `sha512:${'b'.repeat(128)}` } },
      { name: 'an IPv6 registry', given: '[::1]:5000/app', want: { domain: '[::1]:5000', path: 'app' } },
      { name: 'an uppercase registry domain (domains are case-insensitive)', given: 'UPPER.example.com/app', want: { domain: 'UPPER.example.com', path: 'app' } },
      { name: 'an uppercase first component, taken as a registry like Docker does', given: 'Registry/app', want: { domain: 'Registry', path: 'app' } },
      { name: 'path separators . _ __ and runs of -', given: 'team/a.b_c__d---e', want: { path: 'team/a.b_c__d---e' } },
      { name: 'a tag of 128 characters', given: `app:${'t'.repeat(128)}`, want: { path: 'app', tag: 't'.repeat(128) } },
      { name: 'a tag with _ . and -', given: 'app:_v1.2-rc', want: { path: 'app', tag: '_v1.2-rc' } },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${given}`, function () {
        expect(parseImageReference(given)).to.deep.equal({ ok: true, ref: want });
      });
    }
  });

  describe('parseImageReference refuses invalid references with the reason', function () {
    const cases: Array<{ name: string; given: string; want: string }> = [
      { name: 'an uppercase repository', given: 'Busybox', want: 'repository name must be lowercase' },
      { name: 'an uppercase repository under a registry', given: 'registry.example.com/Team/app', want: 'repository name must be lowercase' },
      { name: 'two colons', given: 'a:b:c', want: 'invalid reference format' },
      { name: 'a trailing colon', given: 'busybox:', want: 'invalid tag format' },
      { name: 'a tag of 129 characters', given: `app:${'t'.repeat(129)}`, want: 'invalid tag format' },
      { name: 'a tag starting with a dot', given: 'app:.v1', want: 'invalid tag format' },
      { name: 'an empty digest', given: 'busybox@', want: 'invalid digest format' },
      { name: 'a digest without an algorithm', given: `busybox@${SHA}`, want: 'invalid digest format' },
      { name: 'a digest shorter than 32 hex digits', given: 'busybox@sha256:abc', want: 'invalid digest format' },
      { name: 'a digest with non-hex characters', given: `busybox@sha256:${'g'.repeat(64)}`, want: 'invalid digest format' },
      { name: 'a sha256 digest of the wrong length', given: `busybox@sha256:${'a'.repeat(40)}`, want: 'invalid checksum digest length' },
      { name: 'a sha256 digest in uppercase hex', given: `busybox@sha256:${'A'.repeat(64)}`, want: 'invalid checksum digest format' },
      { name: 'an unknown digest algorithm', given: `busybox@md5:${'a'.repeat(32)}`, want: 'unsupported digest algorithm' },
      { name: 'a leading space', given: ' busybox', want: 'invalid reference format' },
      { name: 'a trailing space', given: 'busybox ', want: 'invalid reference format' },
      { name: 'the empty string', given: '', want: 'invalid reference format' },
      { name: 'a leading slash', given: '/busybox', want: 'invalid reference format' },
      { name: 'a trailing slash', given: 'library/', want: 'invalid reference format' },
      { name: 'a double slash', given: 'library//busybox', want: 'invalid reference format' },
      { name: 'a path component starting with a separator', given: 'library/-busybox', want: 'invalid reference format' },
      { name: 'three underscores', given: 'a___b', want: 'invalid reference format' },
      { name: 'a registry with an empty port', given: 'example.com:/app', want: 'invalid reference format' },
      { name: 'a registry with an underscore', given: 'my_registry.com/app', want: 'invalid reference format' },
      { name: 'a dotted first component is a registry, so path separators there are refused', given: 'a.b_c/app', want: 'invalid reference format' },
      { name: 'a registry label ending with a hyphen', given: 'registry-.example.com/app', want: 'invalid reference format' },
      { name: 'a name over 255 characters', given: `registry.example.com/${'a'.repeat(240)}`, want: 'repository name must not be more than 255 characters' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given.length > 60 ? `${given.slice(0, 57)}...` : given)} -> ${want}`, function () {
        expect(parseImageReference(given)).to.deep.equal({ ok: false, reason: want });
      });
    }
  });

  describe('defaultPullPolicy follows the API server defaulting', function () {
    const cases: Array<{ name: string; given: string; want: 'Always' | 'IfNotPresent' }> = [
      { name: 'untagged means latest', given: 'busybox', want: 'Always' },
      { name: 'an explicit latest', given: 'busybox:latest', want: 'Always' },
      { name: 'a version tag', given: 'busybox:1.36', want: 'IfNotPresent' },
      { name: 'a registry port is not a tag', given: 'localhost:5000/app', want: 'Always' },
      { name: 'a digest alone', given: `busybox@${SHA_DIGEST}`, want: 'IfNotPresent' },
      { name: 'a version tag with a digest', given: `busybox:1.36@${SHA_DIGEST}`, want: 'IfNotPresent' },
      { name: 'latest with a digest (the tag decides)', given: `busybox:latest@${SHA_DIGEST}`, want: 'Always' },
      { name: 'a tag that only contains latest', given: 'busybox:latest-1', want: 'IfNotPresent' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${given.replace(SHA, '<64 hex>')} -> ${want}`, function () {
        const parsed = parseImageReference(given);
        if (!parsed.ok) throw new Error(`${given} should parse: ${parsed.reason}`);
        expect(defaultPullPolicy(parsed.ref)).to.equal(want);
      });
    }
  });
});
