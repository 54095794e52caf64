package ui

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2"
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

// The languages a person can pick, as stored in the preferences.
const (
	langChinese = "zh"
	langEnglish = "en"
	// PrefLanguage is the preference key of the chosen language.
	PrefLanguage = "ui.language"
)

// SetupLanguage applies the language saved in prefs — Simplified Chinese
// unless the person chose English — and loads the translations. Fyne has no
// public setter for the language: it reads LANGUAGE (then LC_ALL, LANG)
// whenever translations are added, so this sets LANGUAGE for the process
// first. Call it after the app exists and before building any screen.
func SetupLanguage(prefs fyne.Preferences) error {
	return useLanguage(prefs.StringWithFallback(PrefLanguage, langChinese))
}

// SwitchLanguage saves code (zh or en) in prefs and applies it; screens
// built afterwards use it (the shell rebuilds itself).
func SwitchLanguage(prefs fyne.Preferences, code string) error {
	prefs.SetString(PrefLanguage, code)
	return useLanguage(code)
}

func useLanguage(code string) error {
	want, file := "zh_CN", "zh_Hans.json"
	if code == langEnglish {
		want, file = "en_US", "en.json"
	}
	if err := os.Setenv("LANGUAGE", want); err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	// LANGUAGE is ignored when LC_ALL/LC_MESSAGES/LANG say C (a bare
	// Xvfb session): name a real locale for messages so it counts.
	if first := firstLocaleEnv(); first == "" || first == "C" || first == "POSIX" {
		if err := os.Setenv("LC_MESSAGES", want+".UTF-8"); err != nil {
			return fmt.Errorf("set language: %w", err)
		}
	}
	if err := LoadTranslations(); err != nil {
		return err
	}
	if lang.L("lang.code") == code {
		return nil
	}
	// The system's locale won: Windows reads it from the OS, not from
	// LANGUAGE. Register the chosen strings under that locale, which the
	// matcher then prefers to every other.
	data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + file)
	if err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	if err := lang.AddTranslationsForLocale(data, lang.SystemLocale()); err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	return nil
}

// firstLocaleEnv is the first of LC_ALL, LC_MESSAGES, LANG that is set.
func firstLocaleEnv() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}
