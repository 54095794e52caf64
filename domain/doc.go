// Package domain holds the rules of the company standard 项目立项标准流程规范说明:
// the three kinds of project, their registration forms (实施登记 / 问题登记), the
// special-approval chain (特批), the handover meeting (项目会议交接) and the
// initiation (项目立项) with its permission matrix.
//
// It imports no I/O: storage lives in domain/sqlite, the PDF renderer in
// domain/pdf, the wire protocol in sync/..., the screens in ui.
package domain
