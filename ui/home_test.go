package ui

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"lixiang/assets"
	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// chineseApp starts a test app in a zh_CN locale with the 立项通 theme and
// translations, as a user of the desktop app would see them.
func chineseApp(t *testing.T) fyne.App {
	t.Helper()
	t.Setenv("LANGUAGE", "zh_CN")
	t.Setenv("LC_ALL", "zh_CN.UTF-8")
	t.Setenv("LANG", "zh_CN.UTF-8")
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme())
	if err := LoadTranslations(); err != nil {
		t.Fatalf("LoadTranslations: %v", err)
	}
	return a
}

// visibleText joins the text of every canvas.Text drawn for o, leaving
// out what is hidden.
func visibleText(o fyne.CanvasObject) string {
	var b strings.Builder
	walkVisible(o, func(o fyne.CanvasObject) {
		if txt, ok := o.(*canvas.Text); ok {
			b.WriteString(txt.Text)
			b.WriteString("\n")
		}
	})
	return b.String()
}

// walkVisible calls f for o and everything visible under it, through the
// renderers the window really uses (test.LaidOutObjects makes new ones,
// which a widget.List then adopts as its own).
func walkVisible(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walkVisible(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkVisible(c, f)
		}
	}
}

func TestHomeShowsProductAndSummaryInChinese(t *testing.T) {
	chineseApp(t)

	home := NewHome(HomeInfo{
		OrgName:      "演示公司",
		UserName:     "张三",
		ProjectCount: 3,
		DataDir:      "/home/zhang/.local/share/lixiang",
	})
	w := test.NewWindow(home)
	defer w.Close()
	w.Resize(fyne.NewSize(1280, 800))

	got := visibleText(home)
	for _, want := range []string{
		"立项通",
		"项目立项标准流程：登记 → 特批 → 交接 → 立项",
		"概况",
		"组织", "演示公司",
		"当前用户", "张三",
		"项目数", "3",
		"数据目录", "/home/zhang/.local/share/lixiang",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("home does not show %q; it shows:\n%s", want, got)
		}
	}

	// Drawing with the bundled font must not fail (a .ttc would panic here).
	if img := w.Canvas().Capture(); img == nil || img.Bounds().Empty() {
		t.Error("capturing the home window gave no image")
	}
}

func TestHomeShowsUnsetForEmptyInfo(t *testing.T) {
	chineseApp(t)

	home := NewHome(HomeInfo{})
	got := visibleText(home)
	if n := strings.Count(got, "未设置"); n != 3 {
		t.Errorf("home shows 未设置 %d times, want 3 (org, user, data dir); it shows:\n%s", n, got)
	}

	home.SetInfo(HomeInfo{OrgName: "演示公司", UserName: "李四", DataDir: "/tmp/x"})
	if got := visibleText(home); strings.Contains(got, "未设置") {
		t.Errorf("after SetInfo home still shows 未设置:\n%s", got)
	}
}

func TestThemeUsesBundledFontForEveryTextStyle(t *testing.T) {
	th := NewTheme()
	ttfMagic := []byte{0x00, 0x01, 0x00, 0x00}
	for _, style := range []fyne.TextStyle{
		{},
		{Bold: true},
		{Italic: true},
		{Bold: true, Italic: true},
		{Monospace: true},
	} {
		res := th.Font(style)
		if res == nil {
			t.Fatalf("Font(%+v) is nil", style)
		}
		content := res.Content()
		if len(content) == 0 {
			t.Fatalf("Font(%+v) is empty", style)
		}
		if !bytes.HasPrefix(content, ttfMagic) {
			t.Errorf("Font(%+v) starts with % x, want TrueType magic % x", style, content[:4], ttfMagic)
		}
		if !bytes.Equal(content, assets.FontTTF) {
			t.Errorf("Font(%+v) is %q, not the bundled %s", style, res.Name(), assets.FontName)
		}
	}
}

func TestTranslationFilesHaveTheSameKeys(t *testing.T) {
	keys := func(name string) []string {
		data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return slices.Sorted(maps.Keys(m))
	}
	zh, en := keys("zh_Hans.json"), keys("en.json")
	if !slices.Equal(zh, en) {
		t.Errorf("translation keys differ:\nzh_Hans: %v\nen:      %v", zh, en)
	}
}

// The home screen lists what the real local store holds: imported projects
// with their derived titles, numbers (or 待分配) and Chinese statuses.
func TestHomeListsProjectsFromTheStore(t *testing.T) {
	chineseApp(t)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "lixiang.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "interchange", "upgrade-submitted.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := domain.DecodeDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportProjects(t.Context(), "u-admin", doc.Projects); err != nil {
		t.Fatal(err)
	}
	info, err := HomeInfoFrom(t.Context(), st, HomeInfo{OrgName: "演示公司"})
	if err != nil {
		t.Fatal(err)
	}
	home := NewHome(info)
	w := test.NewWindow(home)
	defer w.Close()
	w.Resize(fyne.NewSize(1280, 800))

	got := visibleText(home)
	if !strings.Contains(got, strconv.Itoa(len(doc.Projects))) {
		t.Errorf("the project count %d is not shown:\n%s", len(doc.Projects), got)
	}
	for _, p := range doc.Projects {
		for _, want := range []string{p.Title(), p.DisplayNumber(), p.Status.Label()} {
			if !strings.Contains(got, want) {
				t.Errorf("home lacks %q:\n%s", want, got)
			}
		}
	}
}
