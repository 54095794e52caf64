package ui

import (
	"fmt"

	"fyne.io/fyne/v2/lang"

	"lixiang/assets"
)

// LoadTranslations registers the bundled zh_Hans and en UI strings with
// Fyne. The language is chosen from LANGUAGE, LC_ALL or LANG; English is
// the fallback. Call it once, before building any screen.
func LoadTranslations() error {
	if err := lang.AddTranslationsFS(assets.Translations, assets.TranslationsDir); err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	return nil
}
