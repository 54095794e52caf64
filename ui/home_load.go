package ui

import (
	"context"
	"log/slog"

	"fyne.io/fyne/v2"

	"lixiang/domain/sqlite"
)

// ProjectLister is what the home screen reads from the local store.
type ProjectLister interface {
	ListProjects(ctx context.Context, f sqlite.Filter) ([]sqlite.Summary, error)
}

// recentCount is how many projects the home screen lists.
const recentCount = 50

// LoadHome reads the project summaries off the UI goroutine and shows them
// on h (through fyne.Do). base carries what is already known.
func LoadHome(ctx context.Context, st ProjectLister, h *Home, base HomeInfo) {
	info, err := HomeInfoFrom(ctx, st, base)
	if err != nil {
		slog.Error("load home", "component", "ui", "err", err)
		return
	}
	fyne.Do(func() { h.SetInfo(info) })
}

// HomeInfoFrom fills base with the project count and the recent projects.
func HomeInfoFrom(ctx context.Context, st ProjectLister, base HomeInfo) (HomeInfo, error) {
	all, err := st.ListProjects(ctx, sqlite.Filter{})
	if err != nil {
		return base, err
	}
	base.ProjectCount = len(all)
	base.Recent = nil
	for _, s := range all[:min(len(all), recentCount)] {
		base.Recent = append(base.Recent, ProjectLine{
			Number: s.DisplayNumber(),
			Title:  s.Title,
			Kind:   s.Kind.Label(),
			Status: s.Status.Label(),
		})
	}
	return base, nil
}
