package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"lixiang/assets"
)

// fontResource is the bundled WenQuanYi Micro Hei face, shared by every
// text style so Chinese renders the same on machines without CJK fonts.
var fontResource = fyne.NewStaticResource(assets.FontName, assets.FontTTF)

// Theme is Fyne's default theme with the bundled CJK font. Colours, icons
// and sizes come from theme.DefaultTheme, so the light or dark variant
// follows the system setting.
type Theme struct {
	base fyne.Theme
}

var _ fyne.Theme = (*Theme)(nil)

// NewTheme returns the 立项通 theme.
func NewTheme() *Theme {
	return &Theme{base: theme.DefaultTheme()}
}

// Color returns the default theme's colour for the variant Fyne asks for.
func (t *Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return t.base.Color(n, v)
}

// Font returns the bundled font for regular, bold, italic and monospace
// text. The face has no bold or italic cut, so those styles render upright
// and regular. Symbol text keeps Fyne's own symbol font, which the bundled
// face does not cover.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Symbol {
		return t.base.Font(s)
	}
	return fontResource
}

// Icon returns the default theme's icon.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource {
	return t.base.Icon(n)
}

// Size returns the default theme's size.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	return t.base.Size(n)
}
