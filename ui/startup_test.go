package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lixiang/domain"
	"lixiang/domain/sqlite/sqlitedb"
)

// When the local data cannot be opened the window says why in the
// person's language — a newer program's database in their words — where
// the data is and that nothing was changed, and 退出 quits.
func TestStartupErrorSaysWhyAndWhere(t *testing.T) {
	chineseApp(t)
	t.Cleanup(func() { _ = SwitchLanguage(fyne.CurrentApp().Preferences(), langChinese) })
	newer := fmt.Errorf("open store /data/lixiang.db: %w", &sqlitedb.NewerSchemaError{Have: 7, Known: 5, Program: "立项通"})
	denied := fmt.Errorf("open store: %w", domain.Errorf(domain.EINTERNAL, "无法写入数据目录", "cannot write the data directory"))
	for _, tc := range []struct {
		lang       string
		err        error
		want, lack []string
	}{
		{langChinese, newer, []string{"无法打开本地数据", "数据版本 7，本程序只认识到 5", "数据目录：/data/lixiang", "本机数据没有被改动", "退出"}, []string{"schema version"}},
		{langEnglish, newer, []string{"The local data cannot be opened", "data version 7; this program knows up to 5", "Data directory: /data/lixiang", "Quit"}, []string{"数据版本"}},
		{langChinese, denied, []string{"无法写入数据目录"}, []string{"cannot write"}},
		{langEnglish, denied, []string{"cannot write the data directory"}, []string{"无法写入"}},
	} {
		if err := SwitchLanguage(fyne.CurrentApp().Preferences(), tc.lang); err != nil {
			t.Fatal(err)
		}
		quit := 0
		o := StartupError("/data/lixiang", tc.err, func() { quit++ })
		test.NewTempWindow(t, o).Resize(fyne.NewSize(1600, 400)) // wide: each text on one line
		shows(t, o, tc.want...)
		lacks(t, o, tc.lack...)
		if tc.err == newer {
			tapButton(t, o, map[string]string{langChinese: "退出", langEnglish: "Quit"}[tc.lang])
			if quit != 1 {
				t.Errorf("%s: the quit button quit %d times", tc.lang, quit)
			}
		}
	}
}
