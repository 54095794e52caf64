-- 0005: a pull's new projects are indexed for search after the pull, not
-- during it.
--
-- Indexing the trigram full-text index is most of the cost of writing a
-- pulled page (≈ 300 characters of search text a project). A project a pull
-- inserts is stored with fts_pending = 1 and left out of project_fts; once
-- the pull is over, IndexPending sets fts_pending = 0 in batches and the
-- trigger below indexes it. Meanwhile Search finds a pending project by
-- LIKE on its search_text, so every search answers as it would with the
-- project indexed. A project saved or imported here (fts_pending = 0) is
-- indexed as it is written, as before.
ALTER TABLE projects ADD COLUMN fts_pending INTEGER NOT NULL DEFAULT 0 CHECK (fts_pending IN (0, 1));
CREATE INDEX projects_fts_pending ON projects (pk) WHERE fts_pending = 1;

-- The index holds exactly the projects with fts_pending = 0, each with its
-- current search_text: a pending project's edits and deletion leave it
-- alone (it holds nothing of it), and leaving pending indexes it.
DROP TRIGGER projects_fts_insert;
DROP TRIGGER projects_fts_update;
DROP TRIGGER projects_fts_delete;
CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects WHEN new.fts_pending = 0 BEGIN
    INSERT INTO project_fts (rowid, search_text) VALUES (new.pk, new.search_text);
END;
CREATE TRIGGER projects_fts_update AFTER UPDATE OF search_text ON projects WHEN old.fts_pending = 0 BEGIN
    INSERT INTO project_fts (project_fts, rowid, search_text) VALUES ('delete', old.pk, old.search_text);
    INSERT INTO project_fts (rowid, search_text) VALUES (new.pk, new.search_text);
END;
CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects WHEN old.fts_pending = 0 BEGIN
    INSERT INTO project_fts (project_fts, rowid, search_text) VALUES ('delete', old.pk, old.search_text);
END;
CREATE TRIGGER projects_fts_indexed AFTER UPDATE OF fts_pending ON projects
    WHEN old.fts_pending = 1 AND new.fts_pending = 0 BEGIN
    INSERT INTO project_fts (rowid, search_text) VALUES (new.pk, new.search_text);
END;
