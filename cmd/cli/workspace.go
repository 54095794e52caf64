package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"lixiang/assets"
	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// Where the local data lives: $LIXIANG_DATA when set, else the user's
// configuration directory (~/.config/lixiang on Linux,
// %AppData%\lixiang on Windows).
const (
	DataEnv    = "LIXIANG_DATA"
	dbFileName = "lixiang.db"
	// MetaUser is the meta key of the login of the person using this
	// computer (the last identity that signed in).
	MetaUser = "user.login"
	// DemoUser is the identity of a fresh installation on the demo
	// organisation until someone signs in: the salesperson 张伟.
	DemoUser = "zhangwei"
)

// DataDir returns the directory of the local store.
func DataDir() (string, error) {
	if d := os.Getenv(DataEnv); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the data directory (set %s): %w", DataEnv, err)
	}
	return filepath.Join(base, "lixiang"), nil
}

// Workspace is the local store with its organisation directory and the
// person using it: what the desktop app and the command line both open.
type Workspace struct {
	Dir   string
	Store *sqlite.Store
	Org   *domain.Org
	User  domain.User
}

// OpenWorkspace opens (creating if needed) the local store in dir. On first
// use it loads the embedded demo organisation, so the product runs with no
// set-up; a directory synced from a server keeps the server's.
func OpenWorkspace(ctx context.Context, dir string) (*Workspace, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, dbFileName))
	if err != nil {
		return nil, err
	}
	w := &Workspace{Dir: dir, Store: st}
	if err := w.load(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return w, nil
}

func (w *Workspace) load(ctx context.Context) error {
	org, err := w.Store.Org(ctx)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		if org, err = domain.ParseOrg(assets.DemoOrgJSON); err != nil {
			return fmt.Errorf("demo organisation: %w", err)
		}
		err = w.Store.SaveOrg(ctx, org)
	}
	if err != nil {
		return err
	}
	w.Org = org
	login, err := w.Store.Meta(ctx, MetaUser)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		login, err = DemoUser, nil
	}
	if err != nil {
		return err
	}
	u, ok := org.UserByLogin(login)
	if !ok {
		return domain.Errorf(domain.ENOTFOUND, "当前用户“%[1]s”不在组织目录中，请重新登录", "the current user %[1]q is not in the directory: sign in again", login)
	}
	w.User = u
	return nil
}

// Close closes the store.
func (w *Workspace) Close() error { return w.Store.Close() }

// openWorkspace opens the workspace of a verb: --data DIR when given, else
// DataDir().
func openWorkspace(ctx context.Context, dir string) (*Workspace, error) {
	if dir == "" {
		var err error
		if dir, err = DataDir(); err != nil {
			return nil, err
		}
	}
	return OpenWorkspace(ctx, dir)
}

// actor returns the user a verb acts as: --as LOGIN, or the workspace's.
func (w *Workspace) actor(login string) (domain.User, error) {
	if login == "" {
		return w.User, nil
	}
	u, ok := w.Org.UserByLogin(login)
	if !ok {
		return domain.User{}, domain.Errorf(domain.ENOTFOUND, "组织目录中没有登录名为“%[1]s”的用户", "no user with login %[1]q in the directory", login)
	}
	return u, nil
}

// errorLine renders an error for a person: the domain's Chinese message
// with its English, or the error text.
func errorLine(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Error()
	}
	return domain.ErrorMessage(err)
}
