package server

import (
	"lixiang/domain"
)

// visibleTo returns the users who may see a project, decided on the server
// from the project and the directory, never from what a client says:
//   - its applicant (owner), responsible sales and presales;
//   - the salespeople and sales managers of the project's region;
//   - everyone who decided a step, and whoever it waits for now (approvers
//     see what waits for them) in the project's region or with no region:
//     the northern sales manager does not see, and so cannot decide, a
//     southern registration;
//   - the receiver, the handover organiser and participants, the initiator
//     and the users of the initiation's permission matrix;
//   - while it waits for the executing department (received, handed over,
//     contract confirmed): the holders of the next actor's role (项目经理,
//     客户成功, 客户成功主管) in the project's region or with no region.
//
// Admins see every project without being listed.
func visibleTo(p *domain.Project, org *domain.Org) []string {
	var out []string
	add := func(id string) {
		if id != "" {
			out = append(out, id)
		}
	}
	r := &p.Registration
	add(p.OwnerID)
	add(r.SalesID)
	add(r.PresalesID)
	add(p.ReceiverID)
	for _, d := range p.Decisions {
		add(d.ActorID)
	}
	if h := p.Handover; h != nil {
		add(h.OrganiserID)
		for _, x := range h.Participants {
			add(x.UserID)
		}
	}
	if in := p.Initiation; in != nil {
		add(in.InitiatorID)
		for _, perm := range in.Permissions {
			for _, u := range perm.Users {
				add(u)
			}
		}
	}
	next := nextRole(p)
	region := r.Customer.Region
	for _, u := range org.Users {
		if u.Disabled {
			continue
		}
		switch {
		case region != "" && u.Region == region && (u.Has(domain.RoleSales) || u.Has(domain.RoleSalesManager)):
			add(u.ID)
		case next != "" && u.Has(next) && (u.Region == "" || u.Region == region):
			add(u.ID)
		case p.WaitsFor(u) && (u.Region == "" || region == "" || u.Region == region):
			add(u.ID)
		}
	}
	return out
}

// nextRole is the role that acts next on a project that has reached the
// executing department, "" otherwise.
func nextRole(p *domain.Project) domain.Role {
	if p.Deleted {
		return ""
	}
	switch p.Status {
	case domain.StatusReceived:
		if p.Kind() == domain.KindUpgrade {
			return domain.RolePM // confirms the new contract
		}
		return domain.HandoverRole(p.Kind())
	case domain.StatusHandedOver, domain.StatusContractConfirmed:
		return domain.InitiatorRole(p.Kind())
	}
	return ""
}

// canSee reports whether user may see the project.
func canSee(p *domain.Project, user domain.User, org *domain.Org) bool {
	if user.Has(domain.RoleAdmin) {
		return true
	}
	for _, id := range visibleTo(p, org) {
		if id == user.ID {
			return true
		}
	}
	return false
}
