/**
 * Golden outputs of alert annotation templates, each confirmed against promtool 3.5 (`promtool
 * test rules` with an alert on `m{job="node",instance="host.example.com:9100"} 1.5`, external
 * label region="eu" and external URL http://ext:9090/prom), and parse errors as `promtool check
 * rules` reports them. A new row is added by running the template through promtool first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTemplate, expandTemplate, type AlertData } from './index.js';

const DATA: AlertData = {
  labels: { __name__: 'm', instance: 'host.example.com:9100', job: 'node' },
  externalLabels: { region: 'eu' },
  externalURL: 'http://ext:9090/prom',
  value: 1.5,
};

/** [template, expansion] as promtool produced it. */
const EXPANSIONS: [string, string][] = [
  ['{{ humanize 1234567 }}', '1.235M'],
  ['{{ humanize 0.0001234 }}', '123.4u'],
  ['{{ humanize 0 }}', '0'],
  ['{{ humanize -1500 }}', '-1.5k'],
  ['{{ humanize 1e30 }}', '1e+06Y'],
  ['{{ humanize "12.5" }}', '12.5'],
  ['{{ humanize1024 1048576 }}', '1Mi'],
  ['{{ humanize1024 0.5 }}', '0.5'],
  ['{{ humanize1024 1500 }}', '1.465ki'],
  ['{{ humanizeDuration 90 }}', '1m 30s'],
  ['{{ humanizeDuration 0 }}', '0s'],
  ['{{ humanizeDuration 0.0015 }}', '1.5ms'],
  ['{{ humanizeDuration 86400.5 }}', '1d 0h 0m 0s'],
  ['{{ humanizeDuration -3661 }}', '-1h 1m 1s'],
  ['{{ humanizeDuration 59.99 }}', '59.99s'],
  ['{{ humanizeDuration 1.23456 }}', '1.235s'],
  ['{{ humanizePercentage 0.1234 }}', '12.34%'],
  ['{{ humanizePercentage 1 }}', '100%'],
  ['{{ humanizePercentage 0.000012345 }}', '0.001234%'],
  ['{{ humanizeTimestamp 1435065584.128 }}', '2015-06-23 13:19:44.128 +0000 UTC'],
  ['{{ humanizeTimestamp 0 }}', '1970-01-01 00:00:00 +0000 UTC'],
  ['{{ humanizeTimestamp -1.5 }}', '1969-12-31 23:59:58.5 +0000 UTC'],
  [
    '{{ humanizeTimestamp 1e20 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <humanizeTimestamp 1e20>: error calling humanizeTimestamp: 1e+20 cannot be represented as a nanoseconds timestamp since it overflows int64>',
  ],
  [
    '{{ toUpper "aBc" }} {{ toLower "AbC" }} {{ title "hello wORLD foo_bar a-b" }}',
    'ABC abc Hello WORLD Foo_bar A-B',
  ],
  [
    '{{ match "^a.c$" "abc" }} {{ match "b" "abc" }} {{ match "(" "x" }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:163: executing "__alert_T" at <match "(" "x">: error calling match: error parsing regexp: missing closing ): `(`>',
  ],
  ['{{ reReplaceAll "(a)(b)?" "[$1|$2|${1}x|$1x|$$]" "aab-ab" }}', '[a||ax||$][a|b|ax||$]-[a|b|ax||$]'],
  ['{{ reReplaceAll "x*" "-" "abc" }}', '-a-b-c-'],
  ['{{ reReplaceAll "(?P<first>\\\\w+) (?P<last>\\\\w+)" "${last}, ${first}" "John Smith" }}', 'Smith, John'],
  [
    '{{ reReplaceAll "(" "x" "y" }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <reReplaceAll "(" "x" "y">: error calling reReplaceAll: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`>',
  ],
  [
    '{{ stripPort "host:9100" }} {{ stripPort "[::1]:80" }} {{ stripPort "nohost" }} {{ stripPort "a:b:c" }}',
    'host ::1 nohost a:b:c',
  ],
  [
    '{{ stripDomain "host.example.com:9100" }} {{ stripDomain "10.0.0.1:80" }} {{ stripDomain "host.example.com" }} {{ stripDomain "[::1]:80" }}',
    'host:9100 10.0.0.1:80 host [::1]:80',
  ],
  [
    '{{ graphLink "up == 0" }} {{ tableLink "rate(x[5m])" }}',
    '/graph?g0.expr=up+%3D%3D+0&g0.tab=0 /graph?g0.expr=rate%28x%5B5m%5D%29&g0.tab=1',
  ],
  [
    '{{ parseDuration "1h30m" }} {{ parseDuration "1.5s" }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:143: executing "__alert_T" at <parseDuration "1.5s">: error calling parseDuration: unknown unit "." in duration "1.5s">',
  ],
  ['{{ parseDuration "1ms" }}', '0.001'],
  ['{{ with args 1 "x" 2.5 }}{{ .arg0 }} {{ .arg1 }} {{ .arg2 }} {{ .arg3 }}{{ end }}', '1 x 2.5 <no value>'],
  [
    '{{ safeHtml "<b>" }} {{ html "<a href=\'x\'>&\\"" }} {{ js "a\'b\\"<>&=\\n" }} {{ urlquery "a b&c=d/é" }}',
    '<b> &lt;a href=&#39;x&#39;&gt;&amp;&#34; a\\\'b\\"\\u003C\\u003E\\u0026\\u003D\\u000A a+b%26c%3Dd%2F%C3%A9',
  ],
  [
    '{{ len "héllo" }} {{ len $labels }} {{ index $labels "job" }} {{ index $labels "nope" }}|{{ slice "abcdef" 1 3 }}',
    '6 3 node |bc',
  ],
  ['{{ print 1 2 "a" "b" 3.5 nil }}|{{ println 1 "a" }}|', '1 2ab3.5 <nil>|1 a\n|'],
  [
    '{{ printf "%v %v %v %v %v" 1e21 1e20 123456789.0 0.00001 100000.0 }}',
    '1e+21 1e+20 1.23456789e+08 1e-05 100000',
  ],
  [
    '{{ printf "%g %G %e %E %f %.3e %.0f %.0f %.0f %8.3f|%-8.2f|%08.3f|%+.2f" 1e-7 1e-7 1234.5678 1234.5678 1234.5678 1234.5678 0.5 1.5 2.5 3.14159 2.5 -3.14159 2.0 }}',
    '1e-07 1E-07 1.234568e+03 1.234568E+03 1234.567800 1.235e+03 0 2 2    3.142|2.50    |-003.142|+2.00',
  ],
  [
    '{{ printf "%d %5d %-5d| %05d %x %X %o %b %c %q %U %+d" 42 42 42 -42 255 255 8 5 65 65 65 7 }}',
    "42    42 42   | -0042 ff FF 10 101 A 'A' U+0041 +7",
  ],
  [
    '{{ printf "%s|%10s|%-10s|%.2s|%q|%x|% x|%T %T %T %T" "go" "go" "go" "golang" "tab\\there" "hi" "hi" 1 1.5 "s" $labels }}',
    'go|        go|go        |go|"tab\\there"|6869|68 69|int float64 string map[string]string',
  ],
  [
    '{{ printf "%t %v %d" true false "x" }} {{ printf "%d" }} {{ printf "%d" 1 2 }} {{ printf "%!" }} {{ printf "%z" 1 }}',
    'true false %!d(string=x) %!d(MISSING) 1%!(EXTRA int=2) %!!(MISSING) %!z(int=1)',
  ],
  [
    '{{ printf "%v %v %v" $labels .ExternalLabels (args 1) }}',
    'map[__name__:m instance:host.example.com:9100 job:node] map[region:eu] map[arg0:1]',
  ],
  ['{{ printf "%.2f" $value }}% {{ $value }} {{ printf "%6.2f%%" 99.5 }}', '1.50% 1.5  99.50%'],
  [
    '{{ printf "%v %.1f %g %e" (humanize 1) 1e100 1e100 0.0 }}',
    '1 10000000000000000159028911097599180468360808563945281389781327557747838772170381060813469985856815104.0 1e+100 0.000000e+00',
  ],
  ['{{ printf "%x %X %.3x" 1.0 255.5 3.14159 }}', '0x1p+00 0X1.FFP+07 0x1.922p+01'],
  ['{{ printf "%5t|%-7v|%07.2f|% d|%+.1e" true nil -1.5 5 12345.678 }}', ' true|<nil>  |-001.50| 5|+1.2e+04'],
  ['{{ if eq $labels.job "node" }}yes{{ else if eq $labels.job "x" }}x{{ else }}no{{ end }}', 'yes'],
  ['{{ with $labels.nope }}has{{ else }}none{{ end }}|{{ with $labels.job }}{{ . }}{{ end }}', 'none|node'],
  ['{{ with $labels.nope }}a{{ else with $labels.job }}b={{.}}{{ end }}', 'b=node'],
  ['{{ range $i, $v := args "a" "b" }}{{ $i }}:{{ $v }} {{ end }}', 'arg0:a arg1:b '],
  [
    '{{ range $k, $v := .Labels }}{{ $k }}{{ end }}|{{ range .Labels }}{{ . }},{{ end }}',
    '__name__instancejob|m,host.example.com:9100,node,',
  ],
  ['{{ range $x := 3 }}{{ $x }}{{ end }}|{{ range 0 }}x{{ else }}empty{{ end }}', '012|empty'],
  [
    '{{ range $i, $e := $labels }}{{ if eq $i "instance" }}{{ continue }}{{ end }}{{ $e }}{{ if eq $i "__name__" }}{{ break }}{{ end }}{{ end }}',
    'm',
  ],
  ['{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}', '2'],
  ['{{ $x := "outer" }}{{ with "inner" }}{{ $x := . }}{{ $x }}{{ end }} {{ $x }}', 'inner outer'],
  [
    '{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" "arg" }}{{ template "t" }}{{ block "b" 5 }}<{{.}}>{{ end }}',
    '[arg][<no value>]<5>',
  ],
  ['{{- /* comment */ -}}  a  {{- 1 -}}  b {{/* c */}} c', 'a1b  c'],
  [
    '{{ "\\u00e9\\x41\\t|" }}{{ `raw\\n` }}{{ \'a\' }} {{ 0x1F }} {{ 1_000 }} {{ -5 }} {{ +3.5 }} {{ 0o17 }} {{ 017 }} {{ 1e2 }}',
    'éA\t|raw\\n97 31 1000 -5 3.5 15 15 100',
  ],
  [
    '{{ and 1 0 }} {{ and 1 2 }} {{ or 0 "" }} {{ or 0 "x" }} {{ not 0 }} {{ not $labels }} {{ and }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:202: executing "__alert_T" at <and>: wrong number of args for and: want at least 1 got 0>',
  ],
  [
    '{{ eq 1 1 2 }} {{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }} {{ eq $value 1.5 }} {{ lt true false }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:244: executing "__alert_T" at <lt true false>: error calling lt: invalid type for comparison>',
  ],
  ['{{ eq $labels.nope "" }} {{ eq .Labels.job "node" }}', 'true true'],
  ['{{ $labels.job | printf "%s!" }} {{ 3 | printf "%d-%d" 4 }} {{ "x" | len }}', 'node! 4-3 1'],
  ['{{ (index $labels "job") }} {{ (args 1 2).arg1 }}', 'node 2'],
  [
    '{{ .Value }} {{ .ExternalURL }} {{ $externalURL }} {{ $externalLabels.region }}',
    '1.5 http://ext:9090/prom http://ext:9090/prom eu',
  ],
  [
    '{{ .Labels.job.x }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:122: executing "__alert_T" at <.Labels.job.x>: can\'t evaluate field x in type string>',
  ],
  [
    '{{ index $labels 1 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <index $labels 1>: error calling index: value has type int; should be string>',
  ],
  [
    '{{ index (args 1) "arg0" 2 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <index (args 1) "arg0" 2>: error calling index: can\'t index item of type int>',
  ],
  [
    '{{ slice "abc" 2 1 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <slice "abc" 2 1>: error calling slice: invalid slice index: 2 > 1>',
  ],
  [
    '{{ len 3 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <len 3>: error calling len: len of type int>',
  ],
  [
    '{{ $labels.job 1 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:122: executing "__alert_T" at <$labels.job>: job is not a method but has arguments>',
  ],
  [
    '{{ template "nope" }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:124: executing "__alert_T" at <{{template "nope"}}>: template "nope" not defined>',
  ],
  [
    '{{ range 1.5 }}x{{ end }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:121: executing "__alert_T" at <1.5>: range can\'t iterate over 1.5>',
  ],
  [
    '{{ humanize }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <humanize>: wrong number of args for humanize: want 1 got 0>',
  ],
  [
    '{{ humanize 1 2 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <humanize>: wrong number of args for humanize: want 1 got 2>',
  ],
  [
    '{{ printf }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <printf>: wrong number of args for printf: want at least 1 got 0>',
  ],
  [
    '{{ label "a" 1 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:125: executing "__alert_T" at <1>: can\'t handle 1 for arg of type *template.sample>',
  ],
  [
    '{{ first 1 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:121: executing "__alert_T" at <1>: can\'t handle 1 for arg of type template.queryResult>',
  ],
  [
    '{{ value nil }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <value nil>: error calling value: runtime error: invalid memory address or nil pointer dereference>',
  ],
  [
    '{{ 1 2 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <1>: can\'t give argument to non-function 1>',
  ],
  [
    '{{ (1).x }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:116: executing "__alert_T" at <1>: can\'t evaluate field x in type int>',
  ],
  [
    '{{ nil }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <nil>: nil is not a command>',
  ],
  [
    '{{ .Value.x }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:121: executing "__alert_T" at <.Value.x>: can\'t evaluate field x in type interface {}>',
  ],
  [
    '{{ $value.x }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:121: executing "__alert_T" at <$value.x>: can\'t evaluate field x in type float64>',
  ],
  [
    '{{ humanize .ExternalLabels }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <humanize .ExternalLabels>: error calling humanize: can\'t convert map[string]string to float>',
  ],
  [
    '{{ eq $labels 1 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <eq $labels 1>: error calling eq: incompatible types for comparison: map[string]string and int>',
  ],
  [
    '{{ lt $labels $labels }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <lt $labels $labels>: error calling lt: invalid type for comparison>',
  ],
  [
    '{{ eq }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <eq>: wrong number of args for eq: want at least 1 got 0>',
  ],
  [
    '{{ toUpper nil }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:123: executing "__alert_T" at <nil>: cannot assign nil to string>',
  ],
  [
    '{{ toUpper 1 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:123: executing "__alert_T" at <1>: expected string; found 1>',
  ],
  [
    '{{ humanize nil }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <humanize nil>: error calling humanize: can\'t convert <nil> to float>',
  ],
  [
    '{{ call 1 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <call 1>: error calling call: non-function 1 of type int>',
  ],
  [
    '{{ index nil 1 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <index nil 1>: error calling index: index of untyped nil>',
  ],
  [
    '{{ ge 1 1.5 }}',
    '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <ge 1 1.5>: error calling ge: incompatible types for comparison: int and float64>',
  ],
];

/** [template, parse error or null] as promtool check rules reported it. */
const PARSE_ERRORS: [string, string | null][] = [
  ['{{ if }}', 'template: __alert_T:1: missing value for if'],
  ['{{ nosuch 1 }}', 'template: __alert_T:1: function "nosuch" not defined'],
  ['{{ $x }}', 'template: __alert_T:1: undefined variable "$x"'],
  ['{{ end }}', 'template: __alert_T:1: unexpected {{end}}'],
  ['{{ else }}', 'template: __alert_T:1: unexpected {{else}}'],
  ['{{ if 1 }}', 'template: __alert_T:1: unexpected EOF'],
  ['{{ range 1 }}{{ else }}{{ else }}{{ end }}', 'template: __alert_T:1: expected end; found {{else}}'],
  ['{{ break }}', 'template: __alert_T:1: {{break}} outside {{range}}'],
  ['{{ .x', 'template: __alert_T:1: unclosed action'],
  ['{{ "abc }}', 'template: __alert_T:1: unterminated quoted string'],
  ['{{ `abc }}', 'template: __alert_T:1: unterminated raw quoted string'],
  ["{{ 'ab' }}", "template: __alert_T:1: malformed character constant: 'ab'"],
  ['{{ /* x */ }}', 'template: __alert_T:1: unexpected "/" in command'],
  ['{{/* x */ 1 }}', 'template: __alert_T:1: comment ends before closing delimiter'],
  ['{{/* x', 'template: __alert_T:1: unclosed comment'],
  ['{{ # }}', 'template: __alert_T:1: unexpected "#" in command'],
  ['{{ ) }}', 'template: __alert_T:1: unexpected right paren'],
  ['{{ ( 1 }}', 'template: __alert_T:1: unclosed left paren'],
  ['{{ 1 | 2 }}', 'template: __alert_T:1: non executable command in pipeline stage 2'],
  ['{{ | }}', 'template: __alert_T:1: unexpected "|" in command'],
  ['{{ 3x }}', 'template: __alert_T:1: bad number syntax: "3x"'],
  ['{{ $x := }}', 'template: __alert_T:1: missing value for command'],
  ['{{ $x, $y := 1 }}', 'template: __alert_T:1: too many declarations in command'],
  ['{{ range $x, $y, $z := 1 }}{{ end }}', 'template: __alert_T:1: too many declarations in range'],
  ['{{ define "a" }}x', 'template: __alert_T:1: unexpected EOF'],
  ['{{ if 1 }}{{ define "a" }}{{ end }}{{ end }}', 'template: __alert_T:1: unexpected <define> in command'],
  ['{{ template }}', 'template: __alert_T:1: unexpected "}}" in template clause'],
  ['{{ template 1 }}', 'template: __alert_T:1: unexpected "1" in template clause'],
  ['{{ "x".y }}', 'template: __alert_T:1: unexpected . after term "\\"x\\""'],
  ['{{ with 1 }}{{ else if 2 }}{{ end }}', 'template: __alert_T:1: unexpected <if> in input'],
  ['{{ 99999999999999999999 }}', 'template: __alert_T:1: integer overflow: "99999999999999999999"'],
  ['{{ 1.2.3 }}', 'template: __alert_T:1: unexpected ".3" in operand'],
  ['line1\n{{ if\n}}', 'template: __alert_T:3: missing value for if'],
  ['{{ .a | }}', null],
  ['{{ .. }}', 'template: __alert_T:1: unexpected <.> in operand'],
  ['{{ $ }}{{ .a.b.c }}{{ $.Labels }}', null],
  ['{{- if true -}}{{- end -}}', null],
  ['{{ printf "%d" 1 -}}\n', null],
  ['{{ "\\q" }}', 'template: __alert_T:1: invalid syntax'],
  ['{{ 0x }}', 'template: __alert_T:1: illegal number syntax: "0x"'],
  ['{{ end }}{{ if }}', 'template: __alert_T:1: unexpected {{end}}'],
];

test('annotations expand as in promtool', () => {
  for (const [tmpl, want] of EXPANSIONS) {
    assert.equal(expandTemplate('__alert_T', tmpl, DATA, { timestamp: 0 }), want, tmpl);
  }
});

test('parse errors as promtool check rules reports them', () => {
  for (const [tmpl, want] of PARSE_ERRORS) assert.equal(checkTemplate('__alert_T', tmpl), want, tmpl);
});
