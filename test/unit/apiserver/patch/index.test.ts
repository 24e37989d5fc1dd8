/**
 * The patch package's entry point: a PATCH Content-Type selects exactly the patch format the
 * Kubernetes API server would (parameters, case and whitespace aside; CBOR apply unsupported), and
 * the package re-exports the three patch implementations unchanged.
 */
import { expect } from 'chai';
import * as patch from '../../../../src/apiserver/patch/index.js';
import { patchTypeOf, type PatchType } from '../../../../src/apiserver/patch/index.js';
import { applyConfiguration, parseApplyBody } from '../../../../src/apiserver/patch/apply-patch.js';
import { JsonPatchError, applyJsonPatch } from '../../../../src/apiserver/patch/json-patch.js';
import { mergePatch } from '../../../../src/apiserver/patch/merge-patch.js';

interface Case {
  name: string;
  given: string | undefined;
  want: PatchType | undefined;
}

const CASES: Case[] = [
  { name: 'merge patch', given: 'application/merge-patch+json', want: 'merge' },
  { name: 'JSON patch', given: 'application/json-patch+json', want: 'json' },
  { name: 'apply (YAML)', given: 'application/apply-patch+yaml', want: 'apply' },
  { name: 'strategic merge patch', given: 'application/strategic-merge-patch+json', want: 'strategic' },
  { name: 'a charset parameter is ignored', given: 'application/merge-patch+json; charset=utf-8', want: 'merge' },
  { name: 'a parameter without a space is ignored', given: 'application/json-patch+json;charset=UTF-8', want: 'json' },
  { name: 'case is ignored', given: 'Application/Apply-Patch+YAML', want: 'apply' },
  { name: 'surrounding whitespace is ignored', given: '  application/strategic-merge-patch+json  ; charset=utf-8', want: 'strategic' },
  { name: 'apply (CBOR) is not supported', given: 'application/apply-patch+cbor', want: undefined },
  { name: 'plain JSON is not a patch type', given: 'application/json', want: undefined },
  { name: 'YAML is not a patch type', given: 'application/yaml', want: undefined },
  { name: 'a suffix is not a match', given: 'application/merge-patch+jsonx', want: undefined },
  { name: 'an empty header', given: '', want: undefined },
  { name: 'no header', given: undefined, want: undefined },
];

describe('apiserver/patch index', function () {
  describe('patchTypeOf', function () {
    for (const { name, given, want } of CASES) {
      it(`${name}: ${JSON.stringify(given)} -> ${String(want)}`, function () {
        expect(patchTypeOf(given)).to.equal(want);
      });
    }
  });

  it('re-exports the patch implementations', function () {
    expect(patch.mergePatch).to.equal(mergePatch);
    expect(patch.applyJsonPatch).to.equal(applyJsonPatch);
    expect(patch.JsonPatchError).to.equal(JsonPatchError);
    expect(patch.applyConfiguration).to.equal(applyConfiguration);
    expect(patch.parseApplyBody).to.equal(parseApplyBody);
    expect(Object.keys(patch).sort()).to.deep.equal(
      ['JsonPatchError', 'applyConfiguration', 'applyJsonPatch', 'mergePatch', 'parseApplyBody', 'patchTypeOf'].sort(),
    );
  });
});
