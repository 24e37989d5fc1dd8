/**
 * The strict Go-template renderer of hack/chart: what it renders (table of template, data, output,
 * with Helm's results for each idiom) and what it refuses with an error instead of guessing.
 */
import { expect } from 'chai';
import { coalesceValues, installOrder, type RenderedManifest } from '../../../hack/chart/chart.js';
import { TemplateExecutor } from '../../../hack/chart/template-exec.js';
import { lexTemplate, parseTemplate, type Defines } from '../../../hack/chart/template-syntax.js';

function run(source: string, data: unknown = {}, partials = ''): string {
  const defines: Defines = new Map();
  parseTemplate(partials, 'partials.tpl', defines);
  return new TemplateExecutor(defines).render(parseTemplate(source, 'test.yaml', defines), data);
}

const V = { Values: { name: 'web', port: 8080, on: true, off: false, empty: '', list: ['a', 'b'], map: { z: 1, a: 'x' }, nested: { deep: { v: 'd' } }, zero: 0 }, Release: { Name: 'rel', Namespace: 'ns' } };

describe('hack/chart: the strict template renderer', function () {
  const renders = [
    { name: 'text without actions', src: 'a: b\n', want: 'a: b\n' },
    { name: 'a field', src: 'n: {{ .Values.name }}', want: 'n: web' },
    { name: 'a number as Go prints a float64', src: '{{ .Values.port }}', want: '8080' },
    { name: 'a bool', src: '{{ .Values.on }}/{{ .Values.off }}', want: 'true/false' },
    { name: 'a nested field through $', src: '{{ with .Values.list }}{{ $.Values.nested.deep.v }}{{ end }}', want: 'd' },
    { name: '{{- trims whitespace and newlines before', src: 'a:\n  \n  {{- " b" }}', want: 'a: b' },
    { name: '-}} trims whitespace and newlines after', src: '{{ "a" -}}\n\n  b', want: 'ab' },
    { name: 'comments vanish, with their trim markers', src: "x\n{{- /* it's a comment with \"quotes\" and }} */ -}}\ny", want: 'xy' },
    { name: 'a string holding }}', src: '{{ "}}" }}', want: '}}' },
    { name: 'a raw string', src: '{{ `a\\n"b"` }}', want: 'a\\n"b"' },
    { name: 'if/else if/else', src: '{{ if .Values.off }}1{{ else if .Values.empty }}2{{ else if .Values.list }}3{{ else }}4{{ end }}', want: '3' },
    { name: 'Go truth: 0, "", false, empty list and map, missing are false', src: '{{ if or .Values.zero .Values.empty .Values.off .Values.none }}t{{ else }}f{{ end }}', want: 'f' },
    { name: 'and returns the first false value, or the last', src: '{{ and .Values.on .Values.name }}|{{ and .Values.empty .Values.name | quote }}', want: 'web|""' },
    { name: 'or short-circuits (the missing field of nil is never read)', src: '{{ or .Values.name .Values.none.x }}', want: 'web' },
    { name: 'range over a list', src: '{{ range .Values.list }}[{{ . }}]{{ end }}', want: '[a][b]' },
    { name: 'range with index and element', src: '{{ range $i, $v := .Values.list }}{{ $i }}={{ $v }};{{ end }}', want: '0=a;1=b;' },
    { name: 'range over a map, in key order', src: '{{ range $k, $v := .Values.map }}{{ $k }}={{ $v }};{{ end }}', want: 'a=x;z=1;' },
    { name: 'range over nothing runs else', src: '{{ range .Values.none }}x{{ else }}none{{ end }}', want: 'none' },
    { name: 'with sets dot, else when empty', src: '{{ with .Values.nested.deep }}{{ .v }}{{ end }}{{ with .Values.empty }}x{{ else }}e{{ end }}', want: 'de' },
    { name: 'variables: declare, assign, scope to the block', src: '{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ $y := "c" }}{{ $y }}{{ end }}{{ $x }}', want: 'cb' },
    { name: 'pipelines pass the value as the last argument', src: '{{ .Values.empty | default "d" | quote }}', want: '"d"' },
    { name: 'default keeps a non-empty value', src: '{{ default "d" .Values.name }}', want: 'web' },
    { name: 'parenthesized pipelines', src: '{{ printf "%s-%s" .Release.Name (default "x" .Values.name) }}', want: 'rel-web' },
    { name: 'quote escapes as Go %q', src: '{{ quote "a\\"b\\n" }} {{ quote 8080 true }}', want: '"a\\"b\\n" "8080" "true"' },
    { name: 'printf %v of numbers and bools', src: '{{ printf "--x=%v --y=%v" .Values.port .Values.on }}', want: '--x=8080 --y=true' },
    { name: 'toYaml sorts keys and does not indent lists', src: '{{ toYaml .Values.map }}\n{{ toYaml .Values.list }}', want: 'a: x\nz: 1\n- a\n- b' },
    { name: 'nindent starts a new line and indents every line', src: 'k:{{ toYaml .Values.map | nindent 2 }}', want: 'k:\n  a: x\n  z: 1' },
    { name: 'indent indents every line, the first included', src: '{{ indent 3 "a\\nb" }}', want: '   a\n   b' },
    { name: 'trunc and trimSuffix', src: '{{ "abcdef-" | trunc 6 | trimSuffix "-" }}|{{ "abcdef-" | trunc 7 | trimSuffix "-" }}', want: 'abcdef|abcdef' },
    { name: 'trimPrefix, hasPrefix, contains', src: '{{ trimPrefix "unix://" "unix:///a" }} {{ hasPrefix "un" "unix" }} {{ contains "web" .Release.Name }}', want: '/a true false' },
    { name: 'b64enc', src: '{{ b64enc "ca" }}', want: 'Y2E=' },
    { name: 'eq and ne on strings, not', src: '{{ eq .Values.name "x" "web" }} {{ ne .Values.name "web" }} {{ not .Values.off }}', want: 'true false true' },
    { name: 'include a define with its own data as dot and $', src: '{{ include "x.name" .Values.nested }}', partials: '{{- define "x.name" -}}{{ .deep.v }}{{ $.deep.v }}{{- end }}', want: 'dd' },
    { name: 'dict and list build data for include', src: '{{ include "x.pair" (dict "a" "1" "b" (list "p" "q")) }}', partials: '{{ define "x.pair" }}{{ .a }}{{ range .b }}{{ . }}{{ end }}{{ end }}', want: '1pq' },
    { name: 'hasKey', src: '{{ hasKey .Values.map "a" }} {{ hasKey .Values.map "b" }}', want: 'true false' },
    { name: 'a declaration prints nothing', src: '{{ $n := .Values.name }}[{{ $n }}]', want: '[web]' },
  ];
  for (const c of renders) {
    it(`renders ${c.name}`, function () {
      expect(run(c.src, V, c.partials ?? '')).to.equal(c.want);
    });
  }

  const refusals = [
    { name: 'an unknown function', src: '{{ upper .Values.name }}', want: /function "upper" is not supported/ },
    { name: 'template (use include)', src: '{{ template "x" . }}', want: /"template" is not supported/ },
    { name: 'block, break and continue', src: '{{ range .Values.list }}{{ break }}{{ end }}', want: /"break" is not supported/ },
    { name: 'else with', src: '{{ with .Values.name }}{{ else with .Values.port }}{{ end }}', want: /not supported in with/ },
    { name: 'a trim marker without its space', src: '{{-.Values.name }}', want: /must be followed by a space/ },
    { name: 'printing a missing value (Helm would print nothing)', src: '{{ .Values.none }}', want: /printing a missing value/ },
    { name: 'quoting a missing value', src: '{{ .Values.none | quote }}', want: /printing a missing value/ },
    { name: 'a field of nil', src: '{{ .Values.none.x }}', want: /can't evaluate field x of \.Values\.none \(a nil\)/ },
    { name: 'a field of a string', src: '{{ .Values.name.x }}', want: /can't evaluate field x .* \(a string\)/ },
    { name: 'printing a map without toYaml', src: '{{ .Values.map }}', want: /use toYaml/ },
    { name: 'a number Go would print as 1e+06', src: '{{ .Values.big }}', data: { Values: { big: 1000000 } }, want: /1e\+06/ },
    { name: 'a fraction', src: '{{ .Values.f }}', data: { Values: { f: 0.5 } }, want: /would print as Go prints a float64/ },
    { name: 'eq on numbers (int against float64 in Helm)', src: '{{ eq .Values.port 8080 }}', want: /eq\/ne on numbers/ },
    { name: 'printf %d', src: '{{ printf "%d" .Values.port }}', want: /printf verb %d is not supported/ },
    { name: 'an undefined variable', src: '{{ $nope }}', want: /undefined variable \$nope/ },
    { name: 'a variable used outside its block', src: '{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}', want: /undefined variable \$x/ },
    { name: 'include of an undefined template', src: '{{ include "nope" . }}', want: /undefined template "nope"/ },
    { name: 'a missing end', src: '{{ if .Values.on }}x', want: /no matching \{\{ end \}\}/ },
    { name: 'a dangling end', src: 'x{{ end }}', want: /unexpected \{\{ end \}\}/ },
    { name: 'an unterminated string', src: '{{ "abc }}', want: /unterminated string/ },
    { name: 'an unclosed action', src: '{{ .Values.name ', want: /unclosed action/ },
    { name: 'a character constant', src: "{{ 'a' }}", want: /character constants/ },
    { name: 'an argument to a non-function', src: '{{ .Values.name | .Values.port }}', want: /non-function/ },
    { name: 'a function name as an argument', src: '{{ default list .Values.x }}', want: /used as an argument/ },
    { name: 'field access on a parenthesized result', src: '{{ (.Values.nested).deep }}', want: /field access on "\(\.\.\.\)"/ },
    { name: 'a define defined twice', src: '{{ define "a" }}{{ end }}{{ define "a" }}{{ end }}', want: /defined twice/ },
    { name: 'fail, with its message', src: '{{ fail "no way" }}', want: /fail: no way/ },
    { name: 'required of an empty value', src: '{{ required "name is required" .Values.empty }}', want: /name is required/ },
    { name: 'quote of control characters', src: '{{ quote .Values.c }}', data: { Values: { c: 'a\u0001' } }, want: /control characters/ },
  ];
  for (const c of refusals) {
    it(`refuses ${c.name}`, function () {
      expect(() => run(c.src, c.data ?? V)).to.throw(c.want);
    });
  }

  it('names the template and line of an error', function () {
    expect(() => run('a\nb\n{{ nope }}')).to.throw(/^test\.yaml:3: function "nope"/);
  });

  it('lexes actions and text with trim markers applied', function () {
    expect(lexTemplate('a \n{{- .x -}}\n b{{/* c */}}', 't')).to.deep.equal([
      { kind: 'text', text: 'a' },
      { kind: 'action', body: ' .x ', where: 't:2' },
      { kind: 'text', text: 'b' },
    ]);
  });

  it('coalesces values as Helm does: maps merge, lists replace, null removes', function () {
    const defaults = { a: { x: 1, y: 2 }, l: [1, 2], k: 'v', gone: 'x' };
    expect(coalesceValues(defaults, { a: { y: 3 }, l: [9], gone: null })).to.deep.equal({ a: { x: 1, y: 3 }, l: [9], k: 'v' });
    expect(defaults.a.y, 'the defaults are not changed').to.equal(2);
  });

  it("orders manifests as Helm installs them: by kind's install order, unknown kinds last, then by name", function () {
    const m = (kind: string, name: string): RenderedManifest => ({ template: 't', text: '', object: { apiVersion: 'v1', kind, metadata: { name } } });
    const sorted = [m('Deployment', 'd'), m('DockerHost', 'h'), m('ServiceMonitor', 's'), m('Secret', 'b'), m('Secret', 'a'), m('ClusterRole', 'c'), m('ServiceAccount', 'sa')].sort(installOrder);
    expect(sorted.map((x) => `${x.object.kind}/${x.object.metadata.name}`)).to.deep.equal(['ServiceAccount/sa', 'Secret/a', 'Secret/b', 'ClusterRole/c', 'Deployment/d', 'DockerHost/h', 'ServiceMonitor/s']);
  });
});
