-- 0001: the local store of the desktop app (立项通).
-- Times are UTC text in one fixed-width layout (2026-01-02T03:04:05.000000000Z),
-- so text order is time order.

-- Small key/value settings: device id, last user, sync cursors.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- The organisation directory (组织目录) as one JSON document.
CREATE TABLE org (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    doc        TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Projects: the domain.Project JSON document plus the columns lists filter,
-- sort and show. pk is an INTEGER PRIMARY KEY (a stable rowid that VACUUM
-- keeps) because the full-text index refers to rows by it.
CREATE TABLE projects (
    pk             INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL,
    number         TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    owner_id       TEXT NOT NULL DEFAULT '',
    sales_id       TEXT NOT NULL DEFAULT '',
    short_name     TEXT NOT NULL DEFAULT '',
    full_name      TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL,
    server_version INTEGER NOT NULL DEFAULT 0,
    deleted        INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    search_text    TEXT NOT NULL DEFAULT '',
    doc            TEXT NOT NULL
) STRICT;
CREATE INDEX projects_by_updated ON projects (deleted, updated_at DESC);
CREATE INDEX projects_by_kind_status ON projects (kind, status);
CREATE INDEX projects_by_owner ON projects (owner_id);
CREATE INDEX projects_by_region ON projects (region);

-- Full-text index over projects.search_text (customer names, title,
-- requirement, notes, number). trigram finds substrings of 3+ characters;
-- shorter queries use LIKE on projects.search_text, the same text.
CREATE VIRTUAL TABLE project_fts USING fts5 (
    search_text,
    content = 'projects',
    content_rowid = 'pk',
    tokenize = 'trigram'
);
CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN
    INSERT INTO project_fts (rowid, search_text) VALUES (new.pk, new.search_text);
END;
CREATE TRIGGER projects_fts_update AFTER UPDATE OF search_text ON projects BEGIN
    INSERT INTO project_fts (project_fts, rowid, search_text) VALUES ('delete', old.pk, old.search_text);
    INSERT INTO project_fts (rowid, search_text) VALUES (new.pk, new.search_text);
END;
CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN
    INSERT INTO project_fts (project_fts, rowid, search_text) VALUES ('delete', old.pk, old.search_text);
END;

-- The audit journal (变更记录): one row per changed field, append-only.
CREATE TABLE journal (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL REFERENCES projects (id),
    actor_id   TEXT NOT NULL,
    at         TEXT NOT NULL,
    change_id  TEXT NOT NULL,
    path       TEXT NOT NULL,
    old        TEXT NOT NULL,
    new        TEXT NOT NULL
) STRICT;
CREATE INDEX journal_by_project ON journal (project_id, seq);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only');
END;

-- The outbox: every local change, once, under the id the device gave it, in
-- the order it was made, until the server acknowledges it. Resending a
-- change id is harmless: the server records the ids it applied.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id    TEXT NOT NULL UNIQUE,
    project_id   TEXT NOT NULL REFERENCES projects (id),
    kind         TEXT NOT NULL CHECK (kind IN ('edit', 'action')),
    base_version INTEGER NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'needs_attention')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX outbox_by_state ON outbox (state, seq);
CREATE INDEX outbox_by_project ON outbox (project_id, state);

-- Attachment bytes, content-addressed by SHA-256 (lower-case hex) and stored once.
CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
