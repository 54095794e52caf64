package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"lixiang/assets"
	"lixiang/cmd/cli"
	"lixiang/domain"
)

// samples is where the interchange samples live (docs/interchange.md).
const samples = "../../testdata/interchange"

// run runs the command line and returns its status and output.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Run(t.Context(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// problemPaths returns the field paths of the report's lines of one
// severity ("错误" or "提示"), in order.
func problemPaths(report, severity string) []string {
	var paths []string
	for line := range strings.Lines(report) {
		rest, ok := strings.CutPrefix(line, severity+" ")
		if !ok {
			continue
		}
		path, _, _ := strings.Cut(rest, ": ")
		paths = append(paths, path)
	}
	return paths
}

// summary returns the report's last line up to its English part.
func summary(report string) string {
	lines := strings.Split(strings.TrimRight(report, "\n"), "\n")
	last := lines[len(lines)-1]
	zh, _, _ := strings.Cut(last, " (")
	return zh
}

// sampleCases is every sample with what validating it must give. Invalid
// samples list exactly the paths of the rules they break.
type sampleCase struct {
	file    string
	code    int
	summary string
	errors  []string // the exact error paths, in any order
	warns   int      // how many warnings
}

var sampleCases = []sampleCase{
	{file: "local-initiated.json", code: cli.ExitOK,
		summary: "1 个项目：1 个有效，0 个无效；0 个错误，0 个提示"},
	{file: "local-draft.json", code: cli.ExitOK, warns: 14,
		summary: "1 个项目：1 个有效，0 个无效；0 个错误，14 个提示"},
	{file: "local-invalid.json", code: cli.ExitInvalid,
		summary: "1 个项目：0 个有效，1 个无效；10 个错误，0 个提示",
		errors: []string{
			"projects[0].registration.customer.contact_person", // unknown field (a PMIS leftover)
			"projects[0].registration.background.seal_count",   // 约两百枚: not a number
			"projects[0].registration.attachments",             // no presales solution attached
			"projects[0].registration.products[1]",             // 云签章 is a SaaS product
			"projects[0].registration.systems[1].vendor",       // vendor missing
			"projects[0].registration.customization.description",
			"projects[0].registration.stakeholders[0].contact", // 微信 zhang_jl
			"projects[0].registration.other.go_live",           // 2026-13-01
			"projects[0].decisions[1].actor_id",                // who approved?
			"projects[0].handover.time",                        // 下周三下午
		}},
	{file: "saas-handed-over.json", code: cli.ExitOK,
		summary: "1 个项目：1 个有效，0 个无效；0 个错误，0 个提示"},
	{file: "saas-draft.json", code: cli.ExitOK, warns: 10,
		summary: "1 个项目：1 个有效，0 个无效；0 个错误，10 个提示"},
	// A draft may be unfinished, but its attachments' metadata is never
	// right broken (bug 4): paths and NUL in names, a hash that is no
	// SHA-256, impossible sizes.
	{file: "saas-draft-bad-attachments.json", code: cli.ExitInvalid, warns: 9,
		summary: "1 个项目：0 个有效，1 个无效；6 个错误，9 个提示",
		errors: []string{
			"projects[0].registration.attachments[1].name",   // ../../.ssh/authorized_keys
			"projects[0].registration.attachments[1].sha256", // an MD5 in capitals
			"projects[0].registration.attachments[1].size",   // -1
			"projects[0].registration.attachments[2].name",   // a NUL
			"projects[0].registration.attachments[2].size",   // a terabyte
			"projects[0].registration.attachments[3].name",   // a line break
		}},
	{file: "saas-invalid.json", code: cli.ExitInvalid,
		summary: "1 个项目：0 个有效，1 个无效；10 个错误，0 个提示",
		errors: []string{
			"projects[0].id", // upper-case UUID
			"projects[0].registration.background.user_scale",   // 五千人左右
			"projects[0].registration.attachments[0].sha256",   // an MD5 in capitals
			"projects[0].registration.products",                // none chosen
			"projects[0].registration.services.intent[0]",      // 刷脸 is not in the catalogue
			"projects[0].registration.certificate.channels[1]", // CFCA twice
			"projects[0].registration.systems[0].vendor",       // vendor missing
			"projects[0].registration.contract.first_payment",  // pending
			"projects[0].registration.other.go_live",           // 2026-02-30
			"projects[0].approval",                             // submitted, no approval round
		}},
	{file: "upgrade-submitted.json", code: cli.ExitOK,
		summary: "2 个项目：2 个有效，0 个无效；0 个错误，0 个提示"},
	{file: "upgrade-draft.json", code: cli.ExitOK, warns: 6,
		summary: "1 个项目：1 个有效，0 个无效；0 个错误，6 个提示"},
	{file: "upgrade-invalid.json", code: cli.ExitInvalid, warns: 11,
		summary: "2 个项目：0 个有效，2 个无效；10 个错误，11 个提示",
		errors: []string{
			"projects[0].registration.contract.signed_date",  // unknown field
			"projects[0].registration.upgrade_type",          // major
			"projects[0].registration.parent_id",             // no original project
			"projects[0].registration.background.seal_count", // -3
			"projects[0].registration.systems",               // integration yes, no systems
			"projects[0].registration.stakeholders[0].contact",
			"projects[0].registration.contract.amount", // 八十六万
			"projects[0].decisions[1].action",          // approved
			"projects[0].approval",                     // no waiting step
			"projects[1].id",                           // the same record twice
		}},
}

func TestValidateSamples(t *testing.T) {
	for _, tc := range sampleCases {
		t.Run(tc.file, func(t *testing.T) {
			code, out, errOut := run(t, "", "validate", filepath.Join(samples, tc.file))
			if code != tc.code {
				t.Errorf("exit status = %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			if errOut != "" {
				t.Errorf("stderr = %q, want nothing", errOut)
			}
			if got := summary(out); got != tc.summary {
				t.Errorf("summary = %q, want %q", got, tc.summary)
			}
			got := problemPaths(out, "错误")
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.errors))
			if !slices.Equal(got, want) {
				t.Errorf("error paths:\n got %q\nwant %q\nreport:\n%s", got, want, out)
			}
			if n := len(problemPaths(out, "提示")); n != tc.warns {
				t.Errorf("%d warnings, want %d\n%s", n, tc.warns, out)
			}
		})
	}
}

// TestEverySampleIsChecked keeps the table above complete: a sample added
// to testdata/interchange without its expectations fails here.
func TestEverySampleIsChecked(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samples, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.ContainsFunc(sampleCases, func(c sampleCase) bool { return c.file == filepath.Base(f) }) {
			t.Errorf("%s has no entry in sampleCases", f)
		}
	}
	for _, kind := range domain.Kinds {
		for _, suffix := range []string{"draft", "invalid"} {
			if _, err := os.Stat(filepath.Join(samples, string(kind)+"-"+suffix+".json")); err != nil {
				t.Errorf("kind %s has no %s sample: %v", kind, suffix, err)
			}
		}
	}
}

// TestSamplesSurviveTheEncoder checks that what the domain writes back from
// a valid sample is still valid and says the same: the samples use only
// the format, nothing the decoder happens to tolerate.
func TestSamplesSurviveTheEncoder(t *testing.T) {
	for _, tc := range sampleCases {
		if tc.code != cli.ExitOK {
			continue
		}
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(samples, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := domain.DecodeDocument(data)
			if err != nil {
				t.Fatal(err)
			}
			again, err := domain.EncodeDocument(doc.Projects, time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			code, out, _ := run(t, string(again), "validate", "-")
			if code != cli.ExitOK || summary(out) != tc.summary {
				t.Errorf("re-encoded: exit %d, summary %q; want 0, %q\n%s", code, summary(out), tc.summary, out)
			}
		})
	}
}

func TestValidateReadsStdin(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(samples, "local-invalid.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, string(data), "validate", "-")
	_, fromFile, _ := run(t, "", "validate", filepath.Join(samples, "local-invalid.json"))
	if code != cli.ExitInvalid {
		t.Errorf("exit status = %d, want %d", code, cli.ExitInvalid)
	}
	if out != fromFile {
		t.Errorf("stdin report differs from the file's:\n%s\n---\n%s", out, fromFile)
	}
}

func TestValidateFlagsBeforeOrAfterTheFile(t *testing.T) {
	org := filepath.Join(t.TempDir(), "org.json")
	if err := os.WriteFile(org, assets.DemoOrgJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(samples, "saas-handed-over.json")
	for _, args := range [][]string{
		{"validate", "--org", org, file},
		{"validate", file, "--org", org},
		{"validate", "-org=" + org, file},
		{"validate", "--", file},
	} {
		if code, out, errOut := run(t, "", args...); code != cli.ExitOK {
			t.Errorf("%q: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}

// TestValidateUsesTheGivenOrg proves --org replaces the demo organisation:
// without 智慧印章 in its catalogue, the initiated local sample is invalid.
func TestValidateUsesTheGivenOrg(t *testing.T) {
	var org map[string]any
	if err := json.Unmarshal(assets.DemoOrgJSON, &org); err != nil {
		t.Fatal(err)
	}
	cat := org["catalogues"].(map[string]any)
	cat["local_products"] = slices.DeleteFunc(cat["local_products"].([]any), func(o any) bool {
		return o.(map[string]any)["name"] == "智慧印章"
	})
	b, err := json.Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "org.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, "", "validate", "--org", path, filepath.Join(samples, "local-initiated.json"))
	if code != cli.ExitInvalid {
		t.Errorf("exit status = %d, want %d\n%s", code, cli.ExitInvalid, out)
	}
	if got := problemPaths(out, "错误"); !slices.Equal(got, []string{"projects[0].registration.products[1]"}) {
		t.Errorf("error paths = %q, want the product that left the catalogue\n%s", got, out)
	}
}

func TestValidateReportsUnreadableDocuments(t *testing.T) {
	// The line is asserted exactly, the column only for being there: how
	// columns count (bytes or characters) is domain.DecodeDocument's to say.
	lineCol := regexp.MustCompile(`line 4, column \d+`)
	tests := []struct {
		name string
		json string
		want []string // each must appear in the report
	}{
		{"syntax error says line and column", "{\n  \"format\": \"lixiang.projects/v1\",\n  \"projects\": [\n    {\"id\": \"x\",, \"status\": \"draft\"}\n  ]\n}\n",
			[]string{`invalid character ','`, "line 4, column"}},
		{"wrong type says line and column", "{\n  \"format\": \"lixiang.projects/v1\",\n  \"projects\": [\n    {\"status\": 3}\n  ]\n}\n",
			[]string{"status", "line 4, column"}},
		{"wrong format name", `{"format": "pmis.export/v2", "projects": []}`,
			[]string{"错误 format: ", "lixiang.projects/v1"}},
		{"trailing data", `{"format": "lixiang.projects/v1", "projects": []} {}`,
			[]string{"多余内容", "trailing data"}},
		{"empty file", "\n", []string{"文件是空的", "the file is empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "broken.json")
			if err := os.WriteFile(path, []byte(tc.json), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, _ := run(t, "", "validate", path)
			if code != cli.ExitInvalid {
				t.Errorf("exit status = %d, want %d", code, cli.ExitInvalid)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("report lacks %q:\n%s", w, out)
				}
			}
			if slices.Contains(tc.want, "line 4, column") && !lineCol.MatchString(out) {
				t.Errorf("report has no line and column:\n%s", out)
			}
		})
	}
}

func TestUnknownFieldsAreNamedAndTheRestIsChecked(t *testing.T) {
	doc := `{"format": "lixiang.projects/v1", "projects": [{"id": "01a21c30-add0-7e7f-bf69-4da8a434d6f9",
	  "status": "draft", "owner_id": "u-zhangwei", "created_at": "2026-11-27T16:48:02+08:00",
	  "pmis_id": 4711,
	  "registration": {"kind": "saas", "customer": {"short_name": "蜜雪冰城", "Region": "north"},
	    "background": {"seal_count": "很多"}, "systems": [{"type": "OA", "vendr": "泛微"}]}}]}`
	code, out, _ := run(t, doc, "validate", "-")
	if code != cli.ExitInvalid {
		t.Errorf("exit status = %d, want %d", code, cli.ExitInvalid)
	}
	got := problemPaths(out, "错误")
	for _, want := range []string{
		"projects[0].pmis_id",                       // unknown
		"projects[0].registration.systems[0].vendr", // misspelt
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no error at %s\n%s", want, out)
		}
	}
	// The rest is still checked; a draft's problems are warnings.
	if !slices.Contains(problemPaths(out, "提示"), "projects[0].registration.background.seal_count") {
		t.Errorf("no warning at seal_count\n%s", out)
	}
	// encoding/json matches keys case-insensitively, so "Region" is no
	// unknown field; and the customer's region was read.
	if slices.Contains(got, "projects[0].registration.customer.Region") || slices.Contains(got, "projects[0].registration.customer.region") {
		t.Errorf("Region reported:\n%s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.json")
	badOrg := filepath.Join(t.TempDir(), "org.json")
	if err := os.WriteFile(badOrg, []byte(`{"name": "坏组织", "regions": [{"code": "north", "name": "北方", "special_leader": "u-nobody"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	sample := filepath.Join(samples, "local-initiated.json")
	tests := []struct {
		name string
		args []string
		want []string // each must appear on stderr
	}{
		{"no verb", nil, []string{"缺少命令", "missing the verb", "validate FILE"}},
		{"unknown verb", []string{"frobnicate"}, []string{"未知命令“frobnicate”", `unknown verb "frobnicate"`, "lixiang help"}},
		{"no file", []string{"validate"}, []string{"缺少要检查的文件", "missing FILE", "lixiang validate FILE [--org ORGFILE]"}},
		{"two files", []string{"validate", sample, sample}, []string{"一次只能检查一个文件", "one file at a time"}},
		{"missing file", []string{"validate", missing}, []string{"找不到文件", "no such file", "check the path"}},
		{"unknown option", []string{"validate", "--strict", sample}, []string{"选项有误", "bad option", "-strict", "-org ORGFILE"}},
		{"option without value", []string{"validate", sample, "--org"}, []string{"选项有误", "needs an argument"}},
		{"missing org file", []string{"validate", "--org", missing, sample}, []string{"找不到文件", "no such file"}},
		{"bad org file", []string{"validate", "--org", badOrg, sample}, []string{"组织目录文件", "有误", "regions[0].special_leader", "docs/org-format.md"}},
		{"sync without a server", []string{"sync", "--data", t.TempDir()}, []string{"尚未设置服务器地址", "--server URL"}},
		{"help for an unknown verb", []string{"help", "frobnicate"}, []string{"未知命令"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, "", tc.args...)
			if code != cli.ExitUsage {
				t.Errorf("exit status = %d, want %d", code, cli.ExitUsage)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args   []string
		stdout bool // help asked for goes to stdout; -h of a verb to stderr
		want   []string
	}{
		{[]string{"help"}, true, []string{"validate FILE [--org ORGFILE]", "import FILE", "export PROJECT...|--all", "sync", "docs/interchange.md"}},
		{[]string{"--help"}, true, []string{"validate FILE"}},
		{[]string{"-h"}, true, []string{"validate FILE"}},
		{[]string{"help", "validate"}, true, []string{"lixiang validate FILE", "-org ORGFILE", "标准输入"}},
		{[]string{"help", "export"}, true, []string{"lixiang export PROJECT...|--all", "-o FILE", "-data DIR"}},
		{[]string{"help", "import"}, true, []string{"lixiang import FILE", "-as LOGIN"}},
		{[]string{"validate", "-h"}, false, []string{"lixiang validate FILE", "-org ORGFILE"}},
		{[]string{"sync", "--help"}, false, []string{"lixiang sync"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, "", tc.args...)
			if code != cli.ExitOK {
				t.Errorf("exit status = %d, want 0", code)
			}
			got, other := out, errOut
			if !tc.stdout {
				got, other = errOut, out
			}
			if other != "" {
				t.Errorf("help went to both streams; other = %q", other)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("help lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestIsVerb(t *testing.T) {
	for name, want := range map[string]bool{
		"validate": true, "import": true, "export": true, "sync": true,
		"help": true, "--help": true, "-h": true,
		"": false, "Validate": false, "frobnicate": false, "-psn_0_4711": false,
	} {
		if got := cli.IsVerb(name); got != want {
			t.Errorf("IsVerb(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestDocsExampleIsValid keeps the example of docs/interchange.md honest.
func TestDocsExampleIsValid(t *testing.T) {
	md, err := os.ReadFile("../../docs/interchange.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(md), "<!-- example: cmd/cli tests validate this block -->\n```json\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("docs/interchange.md has no marked example block")
	}
	code, out, errOut := run(t, example, "validate", "-")
	if code != cli.ExitOK || summary(out) != "1 个项目：1 个有效，0 个无效；0 个错误，0 个提示" {
		t.Errorf("docs example: exit %d\n%s%s", code, out, errOut)
	}
}
