package sqlite

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
)

// crashEnv names the database the crash child writes to; when it is unset
// TestCrashChild does nothing.
const crashEnv = "LIXIANG_STORE_CRASH_DB"

// crashName is the customer name the child gives project id: the parent
// checks the stored name against it.
func crashName(id string) string { return "崩溃测试客户 " + id }

// TestCrashChild is the child of TestKillDuringSavesLosesNothingCommitted:
// it saves projects in a loop (new ones and edits of earlier ones) and
// prints "SAVED <id> <version>" only after SaveProject returned. Version n
// of a project is its n-th save, written into its notes as "v<n>".
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("runs only as the child of TestKillDuringSavesLosesNothingCommitted")
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	owner := domain.User{ID: "u-zhangwei", Roles: []domain.Role{domain.RoleSales}, Region: "north"}
	var mine []*domain.Project
	versions := map[string]int{}
	deadline := time.Now().Add(time.Minute) // an orphan stops by itself
	for i := 0; i < 100_000 && time.Now().Before(deadline); i++ {
		var p *domain.Project
		if len(mine) > 0 && i%3 == 2 {
			p = mine[rand.IntN(len(mine))]
		} else {
			p = domain.NewProject(newID(t), domain.KindLocal, owner, time.Now())
			p.Registration.Customer.FullName = crashName(p.ID)
			p.Registration.Customer.ShortName = "崩溃" + strconv.Itoa(i)
			p.Registration.Requirement = strings.Repeat("需要电子签章与OA系统对接。", 1+i%20)
			mine = append(mine, p)
		}
		versions[p.ID]++
		p.Registration.Other.Notes = "v" + strconv.Itoa(versions[p.ID])
		if _, err := s.SaveProject(t.Context(), "u-zhangwei", p); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("SAVED %s %d\n", p.ID, versions[p.ID])
	}
}

// TestKillDuringSavesLosesNothingCommitted kills a process that is saving
// (SIGKILL, at a random moment, several rounds on one file) and checks that
// the file is intact and holds every save the process reported, each whole:
// document, journal and outbox change together.
func TestKillDuringSavesLosesNothingCommitted(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	reported := map[string]int{} // id → highest version reported saved
	for round := range 5 {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		want := 1 + rand.IntN(150)
		read := 0
		record := func(line string) {
			f := strings.Fields(line)
			if len(f) != 3 || f[0] != "SAVED" {
				return
			}
			v, err := strconv.Atoi(f[2])
			if err != nil {
				t.Fatalf("child printed %q", line)
			}
			reported[f[1]] = max(reported[f[1]], v)
			read++
		}
		for read < want && sc.Scan() {
			record(sc.Text())
		}
		if read < want {
			cmd.Wait()
			t.Fatalf("round %d: the child stopped after %d saves: %s", round, read, stderr.String())
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		for sc.Scan() { // lines printed before the kill are promises too
			record(sc.Text())
		}
		cmd.Wait()
		t.Logf("round %d: killed after %d reported saves", round, read)
	}

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("reopen after the kills: %v", err)
	}
	defer s.Close()
	var integrity string
	if err := s.db.QueryRowContext(t.Context(), "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
	if _, err := s.db.ExecContext(t.Context(), "INSERT INTO project_fts (project_fts) VALUES ('integrity-check')"); err != nil {
		t.Fatalf("full-text index: %v", err)
	}
	for id, v := range reported {
		p, err := s.Project(t.Context(), id)
		if err != nil {
			t.Errorf("reported save of %s lost: %v", id, err)
			continue
		}
		if p.Registration.Customer.FullName != crashName(id) {
			t.Errorf("%s holds %q", id, p.Registration.Customer.FullName)
		}
		stored, err := strconv.Atoi(strings.TrimPrefix(p.Registration.Other.Notes, "v"))
		if err != nil || stored < v {
			t.Errorf("%s is at %q, but version %d was reported saved", id, p.Registration.Other.Notes, v)
		}
		// Each save is whole: one outbox change and its journal lines per version.
		if n := count(t, s, "SELECT count(*) FROM outbox WHERE project_id = ?", id); n != stored {
			t.Errorf("%s: %d outbox changes for %d saves", id, n, stored)
		}
		if n := count(t, s, "SELECT count(DISTINCT change_id) FROM journal WHERE project_id = ?", id); n != stored {
			t.Errorf("%s: journal lines of %d changes for %d saves", id, n, stored)
		}
		if found, err := s.Search(t.Context(), id[len(id)-12:], Filter{}); err != nil || len(found) != 1 {
			t.Errorf("%s: search by its name found %d, %v", id, len(found), err)
		}
	}
	if len(reported) == 0 {
		t.Fatal("no saves were reported")
	}
	t.Logf("%d projects checked", len(reported))
}
