package ui

import (
	"testing"

	"fyne.io/fyne/v2"

	"lixiang/domain"
)

// Markup goldens of the main screens at 1280×800, in Chinese, on the
// sample projects. Refresh the masters after an intended change with
//
//	go test ./ui/ -run Golden -update
//
// and review the diff of ui/testdata/*.xml; a mismatch without -update
// leaves the rendered markup in ui/testdata/failed/.
func TestGoldenScreens(t *testing.T) {
	chineseApp(t)
	upgrade := "01a1d3d9-7fa8-7018-9f7b-d6223ce1b347"
	saasHandedOver := "01a18643-7fc8-73d3-a1e8-54bd60ca36fe"
	for _, tc := range []struct {
		name   string
		login  string
		screen func(t *testing.T, e *env) fyne.CanvasObject
	}{
		{"shell_projects.xml", "zhangwei", nil},
		{"new_registration.xml", "zhangwei", func(t *testing.T, e *env) fyne.CanvasObject { return NewKindChooser(e) }},
		{"registration_local.xml", "zhangwei", func(t *testing.T, e *env) fyne.CanvasObject {
			p := domain.NewProject("01a30000-0000-7000-8000-000000000901", domain.KindLocal, e.User, testNow)
			f := NewRegistrationForm(e, p)
			f.problemLines.fields["customer.short_name"].(interface{ SetText(string) }).SetText("长沙水务")
			f.onShowProblemsTapped()
			return f
		}},
		{"detail_upgrade.xml", "chenjing", func(t *testing.T, e *env) fyne.CanvasObject {
			e.ExportRegistration = registrationPDF // as the app wires it: the button is enabled
			return NewDetail(e, upgrade)
		}},
		{"inbox.xml", "chenjing", func(t *testing.T, e *env) fyne.CanvasObject { return NewInbox(e) }},
		{"handover_saas.xml", "fengting", func(t *testing.T, e *env) fyne.CanvasObject {
			return NewHandoverScreen(e, saasHandedOver)
		}},
		{"initiation_saas.xml", "fengting", func(t *testing.T, e *env) fyne.CanvasObject {
			return NewInitiationScreen(e, saasHandedOver)
		}},
		{"login_demo.xml", "zhangwei", func(t *testing.T, e *env) fyne.CanvasObject {
			return NewLogin(e, func(Deps) {})
		}},
		{"conflicts_empty.xml", "zhangwei", func(t *testing.T, e *env) fyne.CanvasObject { return NewConflicts(e) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.screen == nil {
				_, w := newTestShell(t, tc.login)
				assertMarkup(t, tc.name, w)
				return
			}
			st, _ := newStore(t)
			importSamples(t, st, allSamples...)
			e, _ := testEnv(t, st, tc.login)
			screen := tc.screen(t, e)
			w := showIn(t, screen)
			assertMarkup(t, tc.name, w)
			if l, ok := screen.(leaver); ok {
				l.leave() // save now, not when a timer fires after the store is closed
			}
		})
	}
}
