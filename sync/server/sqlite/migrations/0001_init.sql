-- 0001: the central server's database (lixiangd, 立项通服务器).
-- Times are UTC text in one fixed-width layout (2026-01-02T03:04:05.000000000Z),
-- so text order is time order.

-- Sign-in credentials. Who a person is (name, roles, region) lives in the
-- organisation directory (org); this table holds only what signing in needs.
-- password_hash is a bcrypt hash; NULL means no password is set yet.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash BLOB,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

-- Bearer tokens, by the SHA-256 of the token: the token itself is never stored.
CREATE TABLE tokens (
    hash       BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id  TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

-- Failed sign-ins, for throttling; key is "login:<login>" or "ip:<address>".
CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  TEXT NOT NULL
) STRICT;
CREATE INDEX login_failures_by_key ON login_failures (key, at);

-- The organisation directory (组织目录) as one JSON document and its version.
CREATE TABLE org (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    doc        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Named counters; 'seq' is the global change sequence (the pull cursor).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
INSERT INTO counters (name, value) VALUES ('seq', 0);

-- Projects: the domain.Project JSON document, its server version, and seq,
-- taken from counters.seq on every write, so "seq > cursor" is exactly what
-- changed since a pull. Discarded drafts stay as tombstones (deleted = 1).
CREATE TABLE projects (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    seq        INTEGER NOT NULL UNIQUE,
    number     TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    region     TEXT NOT NULL DEFAULT '',
    owner_id   TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    updated_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX projects_by_number ON projects (number) WHERE number <> '';

-- Who may see each project, recomputed on every write of it (and for every
-- project when the directory changes). Admins see everything without rows.
CREATE TABLE project_visibility (
    project_id TEXT NOT NULL REFERENCES projects (id),
    user_id    TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX project_visibility_by_user ON project_visibility (user_id);

-- Which attachments each project refers to (registration.attachments), for
-- download permission.
CREATE TABLE project_attachments (
    sha256     TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects (id),
    PRIMARY KEY (sha256, project_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX project_attachments_by_project ON project_attachments (project_id);

-- Every change id the server has answered, with the answer: a resend gets
-- the same answer and applies nothing twice.
CREATE TABLE applied_changes (
    change_id  TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    status     TEXT NOT NULL,
    result     TEXT NOT NULL,
    at         TEXT NOT NULL
) STRICT;
CREATE INDEX applied_changes_by_project ON applied_changes (project_id);

-- The audit journal (变更记录): one row per write of a project, with the
-- field changes it made as JSON ([{"path","old","new"}]). Append-only.
CREATE TABLE journal (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    change_id  TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    at         TEXT NOT NULL,
    changes    TEXT NOT NULL
) STRICT;
CREATE INDEX journal_by_project ON journal (project_id, seq);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only');
END;

-- Registration numbers (实施登记号 SSDJ / 问题登记号 WTDJ): the last number
-- given per prefix and year. Incremented in the transaction that stores the
-- submission, so a rolled-back submission leaves no gap.
CREATE TABLE number_counters (
    prefix TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
) STRICT;

-- Complete attachments, verified against their SHA-256, stored once.
CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Uploads in progress: the declared length, and the parts received so far
-- (each committed as it arrives, so a broken connection resumes at the sum
-- of their lengths).
CREATE TABLE attachment_uploads (
    sha256     TEXT PRIMARY KEY,
    length     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE attachment_parts (
    sha256 TEXT NOT NULL REFERENCES attachment_uploads (sha256) ON DELETE CASCADE,
    start  INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, start)
) STRICT;

-- Who uploaded (and completed) each attachment: they may download it before
-- any project refers to it.
CREATE TABLE attachment_uploaders (
    sha256  TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (sha256, user_id)
) STRICT, WITHOUT ROWID;
