// Package assets holds the files that ship inside every 立项通 binary: the
// CJK font, the UI translations, the application icon and the demo
// organisation. It imports nothing of Fyne, so the desktop UI, the PDF
// renderer and the central server can all use it.
package assets

import "embed"

// FontTTF is WenQuanYi Micro Hei (文泉驿微米黑), a single TrueType face with
// Latin, digits and CJK glyphs. It is the first face of Debian's
// wqy-microhei.ttc, extracted because Fyne and gofpdf both reject .ttc
// collections. Licence: Apache-2.0, see fonts/LICENSE-wqy-microhei.txt.
//
//go:embed fonts/wqy-microhei.ttf
var FontTTF []byte

// FontName is the file name of FontTTF, for resources and PDF font registration.
const FontName = "wqy-microhei.ttf"

// Translations holds the UI strings in Fyne's lang.AddTranslationsFS format,
// one JSON file per language under TranslationsDir (zh_Hans.json, en.json).
//
//go:embed i18n/*.json
var Translations embed.FS

// TranslationsDir is the directory inside Translations that holds the JSON files.
const TranslationsDir = "i18n"

// IconPNG is the 512×512 application icon: a blue rounded square with a white 立.
//
//go:embed icon.png
var IconPNG []byte

// DemoOrgJSON is the demo organisation (departments, people, roles) that a
// fresh installation starts with.
//
//go:embed org/demo-org.json
var DemoOrgJSON []byte
