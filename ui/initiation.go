package ui

import (
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
)

// InitiationScreen is 项目立项 (SPEC §4): the derived project name, the
// overview pre-filled from the registration, the basis number, the SVN
// path and the PMIS permission matrix with people and groups picked from
// the directory.
type InitiationScreen struct {
	widget.BaseWidget
	projectForm

	parent *domain.Project
	in     *domain.Initiation

	name     *widget.Label
	svn      *widget.Entry
	matrix   *fyne.Container
	initiate *widget.Button
}

// NewInitiationScreen builds the screen of project id; it loads when shown.
func NewInitiationScreen(e *env, id string) *InitiationScreen {
	s := &InitiationScreen{}
	s.ExtendBaseWidget(s)
	s.init(e, id, s.revalidate)
	return s
}

// reload reads the project (and an upgrade's parent); an initiation not
// yet started is pre-filled.
func (s *InitiationScreen) reload() {
	if s.p != nil {
		return
	}
	e := s.env
	e.run(func() {
		p, err := e.Store.Project(e.ctx, s.id)
		var parent *domain.Project
		if err == nil && p.Registration.ParentID != "" {
			parent, _ = e.Store.Project(e.ctx, p.Registration.ParentID)
		}
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			s.setProject(p, parent)
		})
	})
}

func (s *InitiationScreen) setProject(p, parent *domain.Project) {
	e := s.env
	s.p, s.parent = p, parent
	s.editable = p.CanEditInitiation(e.User)
	if p.Initiation == nil {
		p.Initiation = domain.NewInitiation(p, e.Org, e.User, parent, e.Now())
	}
	s.in = p.Initiation
	s.showForm(s.build())
	s.revalidate()
}

func (s *InitiationScreen) revalidate() {
	ps := domain.ValidateInitiation(s.in, s.p.Kind(), s.env.Org)
	s.show(ps)
	s.name.SetText(s.p.ProjectName())
	s.enableWhen(s.initiate, len(ps) == 0)
}

func (s *InitiationScreen) build() fyne.CanvasObject {
	e, p, in := s.env, s.p, s.in
	defer s.hush()()

	if s.editable {
		s.initiate = formAction(actionLabel(domain.ActInitiate), theme.ConfirmIcon(), s.onInitiateTapped)
	}
	s.name = heading("")
	s.name.Wrapping = fyne.TextWrapWord
	header := container.NewVBox(
		formHeader(heading(lang.L("init.title")+" · "+p.Title()), func() { e.nav.openProject(p.ID) }, s.save, s.initiate),
	)
	if !s.editable {
		header.Add(note(lang.L("init.readOnly")))
	}

	basis := p.Number
	if basis == "" {
		basis = lang.L("project.numberPending") + lang.L("init.basisPending")
	}
	path := lang.L("init.pathNew")
	if in.SubProject {
		parent := in.ParentID
		if s.parent != nil {
			parent = s.parent.DisplayNumber() + " · " + s.parent.Title()
		}
		path = lang.X("init.pathSub", "在原有项目（{{.Parent}}）中新增子项目", map[string]any{"Parent": parent})
	}

	productType := s.entry("product_type", lang.L("init.productType"), "", &in.ProductType)
	special := s.entry("special_name", lang.L("init.specialName"), lang.L("init.specialNameHint"), &in.SpecialName)

	ov := &in.Overview
	cat := e.Org.Catalogues
	signing := s.checks("overview.signing_methods", domain.Names(cat.SigningMethods), &ov.SigningMethods)
	formats := s.checks("overview.file_formats", domain.Names(cat.FileFormats), &ov.FileFormats)
	background := widget.NewMultiLineEntry()
	background.Wrapping = fyne.TextWrapWord
	background.SetMinRowsVisible(3)
	background.SetText(ov.CustomerBackground)
	background.OnChanged = func(v string) { ov.CustomerBackground = v; s.edited("overview.customer_background") }

	s.svn = widget.NewEntry()
	s.svn.SetText(in.SVNPath)
	s.svn.OnChanged = func(v string) { in.SVNPath = v; s.edited("svn_path") }
	regen := widget.NewButtonWithIcon(lang.L("init.svnRegenerate"), theme.ViewRefreshIcon(), s.onRegenerateSVNTapped)

	s.matrix = container.NewVBox()
	s.rebuildMatrix()

	body := container.NewVBox(s.general,
		section(lang.L("init.sec.name"),
			widget.NewLabelWithStyle(lang.L("init.name"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			s.name,
			note(lang.L("init.nameHint")),
			grid(productType, special),
			kv(lang.L("init.path"), path, lang.L("init.basis")+"（"+p.Kind().NumberName()+"）", basis)),
		section(lang.L("init.sec.overview"),
			labelled(lang.L("init.background"), background, s.field("overview.customer_background", background)),
			grid(s.entry("overview.products", lang.L("init.products"), "", &ov.Products),
				s.entry("overview.sales", lang.L("init.sales"), "", &ov.Sales)),
			labelled(lang.L("init.signingMethods"), signing, s.field("overview.signing_methods", signing)),
			labelled(lang.L("init.fileFormats"), formats, s.field("overview.file_formats", formats)),
			kv(lang.L("init.integration"), yesNoLabel(ov.Integration)),
			s.entry("overview.systems", lang.L("init.systems"), "", &ov.Systems)),
		section(lang.L("init.sec.svn"),
			note(lang.L("init.svnHint")),
			container.NewBorder(nil, nil, nil, regen, s.svn), s.field("svn_path", s.svn)),
		section(lang.L("init.sec.permissions"),
			note(lang.X("init.permissionsHint", "{{.Kind}}的人员权限配置（SPEC §4）；用户组取自组织目录。",
				map[string]any{"Kind": kindLabel(p.Kind())})),
			s.matrix, s.field("permissions", nil)),
	)
	if !s.editable {
		disableAll(body)
	}
	page, _ := formPage(header, body)
	return page
}

func (s *InitiationScreen) entry(path, label, hint string, v *string) fyne.CanvasObject {
	en := widget.NewEntry()
	bindText(en, hint, v, func() { s.edited(path) })
	return labelled(label, en, s.field(path, en))
}

func (s *InitiationScreen) checks(path string, names []string, vs *[]string) *widget.CheckGroup {
	for _, v := range *vs {
		if !slices.Contains(names, v) {
			names = append(names, v)
		}
	}
	cg := widget.NewCheckGroup(names, func(sel []string) {
		var out []string
		for _, n := range names {
			if slices.Contains(sel, n) {
				out = append(out, n)
			}
		}
		*vs = out
		s.edited(path)
	})
	cg.Horizontal = true
	cg.SetSelected(slices.Clone(*vs))
	return cg
}

func (s *InitiationScreen) onRegenerateSVNTapped() {
	s.in.SVNPath = s.p.DefaultSVNPath(s.env.Org, s.in, s.parent, s.env.Now())
	s.svn.SetText(s.in.SVNPath)
}

// rebuildMatrix shows one row per permission role of the kind: the people
// and groups in it, each removable, and pickers to add more.
func (s *InitiationScreen) rebuildMatrix() {
	defer s.hush()()
	e, in := s.env, s.in
	s.forget("permissions")
	s.matrix.RemoveAll()
	for _, role := range domain.PermissionRoles(s.p.Kind()) {
		i := slices.IndexFunc(in.Permissions, func(p domain.Permission) bool { return p.Role == role })
		if i < 0 {
			in.Permissions = append(in.Permissions, domain.Permission{Role: role})
			i = len(in.Permissions) - 1
		}
		perm := &in.Permissions[i]
		path := fmt.Sprintf("permissions[%d]", i)
		chips := container.NewHBox()
		for j, u := range perm.Users {
			chips.Add(s.chip(theme.AccountIcon(), e.Org.UserName(u), func() {
				perm.Users = slices.Delete(perm.Users, j, j+1)
				s.matrixEdited(path)
			}))
		}
		for j, g := range perm.Groups {
			chips.Add(s.chip(theme.StorageIcon(), g, func() {
				perm.Groups = slices.Delete(perm.Groups, j, j+1)
				s.matrixEdited(path)
			}))
		}
		if len(chips.Objects) == 0 {
			chips.Add(hint(lang.L("init.nobody")))
		}
		addUser := userChoice(e.Org, "", func(id string) {
			if id != "" && !slices.Contains(perm.Users, id) {
				perm.Users = append(perm.Users, id)
				s.matrixEdited(path)
			}
		})
		addUser.PlaceHolder = lang.L("init.addUser")
		var groups []string
		for _, g := range e.Org.Groups {
			groups = append(groups, g.Name)
		}
		addGroup := newChoice(groups, groups, func(g string) {
			if g != "" && !slices.Contains(perm.Groups, g) {
				perm.Groups = append(perm.Groups, g)
				s.matrixEdited(path)
			}
		})
		addGroup.PlaceHolder = lang.L("init.addGroup")
		roleName := widget.NewLabelWithStyle(permLabel(role), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		pickers := container.NewGridWithColumns(2, addUser, addGroup)
		s.matrix.Add(container.NewVBox(
			container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(110, roleName.MinSize().Height), roleName), nil,
				container.NewHScroll(chips)),
			pickers,
			s.field(path, nil),
			s.field("permissions."+string(role), nil),
			widget.NewSeparator()))
	}
}

func (s *InitiationScreen) chip(icon fyne.Resource, text string, remove func()) fyne.CanvasObject {
	del := iconButton(theme.CancelIcon(), remove)
	if !s.editable {
		del.Disable()
	}
	return container.NewHBox(widget.NewIcon(icon), widget.NewLabel(text), del)
}

func (s *InitiationScreen) matrixEdited(path string) {
	s.rebuildMatrix()
	s.edited(path)
}

func (s *InitiationScreen) onInitiateTapped() {
	s.save.applyAfterSave(s.initiate, s.p.ID, domain.Command{Action: domain.ActInitiate}, s.revalidate)
}
