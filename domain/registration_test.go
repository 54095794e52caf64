package domain_test

import (
	"slices"
	"strings"
	"testing"

	"lixiang/domain"
)

// TestAttachmentMetadata: an attachment's name is a plain file name, its
// hash a SHA-256 in lower-case hex and its size possible — the one check
// of what other devices open a file by, named field by field.
func TestAttachmentMetadata(t *testing.T) {
	tests := []struct {
		rule string
		edit func(a *domain.Attachment)
		want []string // problem paths, in order
		code string   // of the first problem
	}{
		{"a good attachment", func(a *domain.Attachment) {}, nil, ""},
		{"a Chinese name with spaces and dots", func(a *domain.Attachment) { a.Name = "售前 方案 v1.2 (终稿).docx" }, nil, ""},
		{"an empty file", func(a *domain.Attachment) { a.Size = 0 }, nil, ""},
		{"the largest file", func(a *domain.Attachment) { a.Size = domain.MaxAttachmentSize }, nil, ""},
		{"a name of 255 bytes", func(a *domain.Attachment) { a.Name = strings.Repeat("名", 85) }, nil, ""},

		{"an empty name", func(a *domain.Attachment) { a.Name = "" }, []string{"name"}, domain.PRequired},
		{"a name of spaces", func(a *domain.Attachment) { a.Name = "   " }, []string{"name"}, domain.PRequired},
		{"a name with ../", func(a *domain.Attachment) { a.Name = "../../etc/passwd" }, []string{"name"}, domain.PFormat},
		{"a name with a slash", func(a *domain.Attachment) { a.Name = "dir/a.pdf" }, []string{"name"}, domain.PFormat},
		{"an absolute name", func(a *domain.Attachment) { a.Name = "/a.pdf" }, []string{"name"}, domain.PFormat},
		{"a name with a backslash", func(a *domain.Attachment) { a.Name = `..\..\boot.ini` }, []string{"name"}, domain.PFormat},
		{"a name with a NUL", func(a *domain.Attachment) { a.Name = "a\x00b.pdf" }, []string{"name"}, domain.PFormat},
		{"a name with a line break", func(a *domain.Attachment) { a.Name = "a\nb.pdf" }, []string{"name"}, domain.PFormat},
		{"a name with an escape", func(a *domain.Attachment) { a.Name = "a\x1b[31mb.pdf" }, []string{"name"}, domain.PFormat},
		{"a name with DEL", func(a *domain.Attachment) { a.Name = "a\x7fb.pdf" }, []string{"name"}, domain.PFormat},
		{"a name with a C1 control", func(a *domain.Attachment) { a.Name = "a\u0085b.pdf" }, []string{"name"}, domain.PFormat},
		{"a name that is not UTF-8", func(a *domain.Attachment) { a.Name = "a\xffb.pdf" }, []string{"name"}, domain.PFormat},
		{"the name ..", func(a *domain.Attachment) { a.Name = ".." }, []string{"name"}, domain.PFormat},
		{"the name .", func(a *domain.Attachment) { a.Name = "." }, []string{"name"}, domain.PFormat},
		{"a name of 256 bytes", func(a *domain.Attachment) { a.Name = strings.Repeat("a", 256) }, []string{"name"}, domain.PRange},

		{"an empty hash", func(a *domain.Attachment) { a.SHA256 = "" }, []string{"sha256"}, domain.PFormat},
		{"a short hash", func(a *domain.Attachment) { a.SHA256 = "abc" }, []string{"sha256"}, domain.PFormat},
		{"an upper-case hash", func(a *domain.Attachment) { a.SHA256 = strings.ToUpper(a.SHA256) }, []string{"sha256"}, domain.PFormat},
		{"a hash of 65 digits", func(a *domain.Attachment) { a.SHA256 += "0" }, []string{"sha256"}, domain.PFormat},
		{"a hash that is not hex", func(a *domain.Attachment) { a.SHA256 = strings.Repeat("g", 64) }, []string{"sha256"}, domain.PFormat},
		{"a hash with a path", func(a *domain.Attachment) { a.SHA256 = "../" + a.SHA256[3:] }, []string{"sha256"}, domain.PFormat},

		{"a negative size", func(a *domain.Attachment) { a.Size = -1 }, []string{"size"}, domain.PRange},
		{"a size past the limit", func(a *domain.Attachment) { a.Size = domain.MaxAttachmentSize + 1 }, []string{"size"}, domain.PRange},
		{"an absurd size", func(a *domain.Attachment) { a.Size = 1 << 62 }, []string{"size"}, domain.PRange},

		{"everything wrong at once", func(a *domain.Attachment) { a.Name, a.SHA256, a.Size = "../x", "x", -5 },
			[]string{"name", "sha256", "size"}, domain.PFormat},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			a := presalesAttachment()
			tt.edit(&a)
			ps := domain.ValidateAttachment(a)
			checkMessages(t, ps)
			if got := paths(ps); !slices.Equal(got, tt.want) {
				t.Fatalf("problems %v, want %v (%v)", got, tt.want, ps)
			}
			if len(ps) > 0 && ps[0].Code != tt.code {
				t.Errorf("code %s, want %s", ps[0].Code, tt.code)
			}
		})
	}
}

// TestAttachmentsAreCheckedOneByOne: the problems of a registration's
// attachments are addressed by their row, and the registration's own check
// (Validate) reports the very same ones.
func TestAttachmentsAreCheckedOneByOne(t *testing.T) {
	good, bad := presalesAttachment(), presalesAttachment()
	bad.Name, bad.SHA256 = "a/b.pdf", "ABC"
	ps := domain.ValidateAttachments([]domain.Attachment{good, bad})
	if got := paths(ps); !slices.Equal(got, []string{"attachments[1].name", "attachments[1].sha256"}) {
		t.Fatalf("problems %v", ps)
	}
	org := demoOrg(t)
	r := validSaaS()
	r.Attachments = []domain.Attachment{good, bad}
	all := domain.Validate(&r, org)
	for _, p := range ps {
		if !slices.Contains(all, p) {
			t.Errorf("Validate does not report %+v: %v", p, all)
		}
	}
}

// TestAttachmentNameFitsTheRules: whatever a file system hands the desktop
// as a file's name, AttachmentName turns it into one ValidateAttachment
// accepts, keeping what a person would recognise (the extension).
func TestAttachmentNameFitsTheRules(t *testing.T) {
	long := strings.Repeat("需求", 60) + ".docx" // 365 bytes
	cases := []struct{ in, want string }{
		{"客户需求登记表.docx", "客户需求登记表.docx"},
		{"C:\\Users\\张伟\\方案.pdf", "方案.pdf"},
		{"../../etc/passwd", "passwd"},
		{"报价\n单.xlsx", "报价_单.xlsx"},
		{"a\x00b.txt", "a_b.txt"},
		{"bad\xffname.txt", "bad_name.txt"},
		{"", "附件"},
		{"..", "附件"},
		{"dir/", "附件"},
		{long, strings.Repeat("需求", 41) + "需.docx"},
	}
	sha := strings.Repeat("ab", 32)
	for _, c := range cases {
		got := domain.AttachmentName(c.in)
		if got != c.want {
			t.Errorf("AttachmentName(%q) = %q, want %q", c.in, got, c.want)
		}
		if ps := domain.ValidateAttachment(domain.Attachment{Name: got, SHA256: sha, Size: 1}); len(ps) > 0 {
			t.Errorf("AttachmentName(%q) = %q is still refused: %v", c.in, got, ps)
		}
	}
}
