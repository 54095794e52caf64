package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"lixiang/domain"
)

// Checks of what a device sends that the domain's workflow rules do not
// cover, because they hold in every state of a project: an attachment's
// metadata (other devices open the file by its name and hash) and a new
// project's creation time.

// attachmentsPath is where a project's attachments are.
const attachmentsPath = "registration.attachments"

// checkAttachments refuses a project whose attachments' metadata is broken
// (domain.ValidateAttachment), naming each field: registration.attachments[1].name.
func checkAttachments(p *domain.Project) error {
	if ps := domain.ValidateAttachments(p.Registration.Attachments); len(ps) > 0 {
		return registrationProblems(ps)
	}
	return nil
}

// checkAttachmentEdits refuses an edit that would leave an attachment it
// touches with broken metadata: each row the changes reach is checked whole,
// as it would be with every new value of the edit set (whether the value
// then applies or becomes a conflict). Rows the edit does not touch are
// not its business.
func checkAttachmentEdits(cur *domain.Project, changes []domain.FieldChange) error {
	var sets map[string]string
	rows := map[int]bool{}
	all := false
	for _, c := range changes {
		rest, ok := strings.CutPrefix(c.Path, attachmentsPath)
		if !ok || (rest != "" && rest[0] != '[') {
			continue
		}
		if sets == nil {
			sets = make(map[string]string, len(changes))
		}
		if rest == "" {
			all = true
		} else if end := strings.IndexByte(rest, ']'); end > 0 {
			if i, err := strconv.Atoi(rest[1:end]); err == nil {
				rows[i] = true
			}
		}
	}
	if sets == nil {
		return nil
	}
	for _, c := range changes {
		sets[c.Path] = c.New
	}
	wanted, err := domain.SetFields(cur, sets)
	if err != nil {
		return invalid(err)
	}
	var ps domain.Problems
	for i, a := range wanted.Registration.Attachments {
		if all || rows[i] {
			for _, p := range domain.ValidateAttachment(a) {
				p.Path = attachmentsPath + "[" + strconv.Itoa(i) + "]." + p.Path
				ps = append(ps, p)
			}
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// registrationProblems are problems of a registration addressed from the
// project: registration.attachments[0].name.
func registrationProblems(ps domain.Problems) domain.Problems {
	out := make(domain.Problems, len(ps))
	for i, p := range ps {
		p.Path = "registration." + p.Path
		out[i] = p
	}
	return out
}

// A project's creation time (创建时间) is the device's clock: it goes into the
// SVN path at initiation and orders the lists, so it must be a time that
// can be: not before domain.EarliestCreation, and ahead of the server's
// clock by no more than creationLead.
const creationLead = 24 * time.Hour

// checkCreatedAt refuses a creation time before 2000 (the zero time, the
// year 0) or more than a day ahead of the server's clock now.
func checkCreatedAt(at, now time.Time) error {
	problem := func(zh, en string) error {
		return domain.Problems{{Path: "created_at", Code: domain.PRange,
			Message: fmt.Sprintf("%s（现为 %s）：请检查设备的日期和时间", zh, at.UTC().Format(time.RFC3339)),
			English: fmt.Sprintf("%s (got %s): check the device's date and time", en, at.UTC().Format(time.RFC3339))}}
	}
	switch {
	case at.Before(domain.EarliestCreation):
		return problem("项目的创建时间不能早于 2000 年", "the project's creation time cannot be before 2000")
	case at.After(now.Add(creationLead)):
		return problem("项目的创建时间比服务器时间晚一天以上", "the project's creation time is more than a day ahead of the server's clock")
	}
	return nil
}
