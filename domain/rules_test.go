package domain_test

import (
	"strings"
	"testing"

	"lixiang/domain"
)

// SPEC §2.3: every step is a decision by one person. A person who holds two
// roles of a chain (销售主管 and 商务审批员) decides only one step per round.
func TestOnePersonDecidesOneStepPerRound(t *testing.T) {
	org := demoOrg(t)
	for i := range org.Users {
		if org.Users[i].ID == managerNorth {
			org.Users[i].Roles = append(org.Users[i].Roles, domain.RoleBusinessApprover)
		}
	}
	p := newProject(t, org, salesNorth, validUpgrade())
	do(t, p, org, submit(salesNorth))
	do(t, p, org, approve(managerNorth))
	refused(t, p, org, approve(managerNorth), domain.EFORBIDDEN)
	if p.WaitsFor(who(t, org, managerNorth)) {
		t.Fatal("the 商务审批员 step must not wait for the person who decided the 销售主管 step")
	}
	do(t, p, org, approve(business))

	// In a new round (after a return) the same person decides again.
	q := newProject(t, org, salesNorth, validUpgrade())
	do(t, q, org, submit(salesNorth))
	do(t, q, org, step{managerNorth, domain.Command{Action: domain.ActReturn, Comment: "补充合同金额"}})
	do(t, q, org, submit(salesNorth))
	do(t, q, org, approve(managerNorth))
}

// SPEC §4: the SVN path is derived under the region; one derived before the
// server assigned the number gets the number when the project is initiated.
func TestInitiationFillsTheNumberIntoTheSVNPath(t *testing.T) {
	org := demoOrg(t)
	p := newProject(t, org, salesNorth, validUpgrade())
	do(t, p, org, submit(salesNorth))
	for _, s := range []string{managerNorth, business, pmNorth} {
		do(t, p, org, approve(s))
	}
	do(t, p, org, step{pmNorth, domain.Command{Action: domain.ActConfirmContract, Answer: domain.Yes}})
	p.Initiation = domain.NewInitiation(p, org, who(t, org, pmNorth), parentProject(t, org), t0)
	if !strings.Contains(p.Initiation.SVNPath, domain.NumberPending) {
		t.Fatalf("before the number the path shows %s: %s", domain.NumberPending, p.Initiation.SVNPath)
	}
	completeInitiation(p.Initiation, pmNorth, implNorth)
	p.Number = "WT-2026-0032"
	do(t, p, org, step{pmNorth, domain.Command{Action: domain.ActInitiate}})
	if strings.Contains(p.Initiation.SVNPath, domain.NumberPending) || !strings.Contains(p.Initiation.SVNPath, "WT-2026-0032") {
		t.Fatalf("svn path %q", p.Initiation.SVNPath)
	}
}

// SPEC §2.1: counts are numbers; the full-width digits of a Chinese input
// method are numbers too.
func TestFullWidthDigitsAreNumbers(t *testing.T) {
	for _, tc := range []struct {
		in   domain.Quantity
		want int64
		ok   bool
	}{
		{"５０００", 5000, true},
		{"１，２００", 1200, true},
		{"五千", 0, false},
	} {
		n, ok := tc.in.Int()
		if n != tc.want || ok != tc.ok {
			t.Errorf("%q.Int() = %d, %v; want %d, %v", tc.in, n, ok, tc.want, tc.ok)
		}
	}
}
