-- 0002: what the sync engine keeps beside each project.

-- server_doc is the project as the server last sent it in a pull (the base
-- that local pending edits are rebased on); NULL until a pull brings it.
ALTER TABLE projects ADD COLUMN server_doc TEXT;

-- conflict_count is how many open conflicts (冲突) the project holds,
-- read from the document itself, so every writer keeps it right; the
-- partial index finds the conflicted projects without reading documents.
ALTER TABLE projects ADD COLUMN conflict_count INTEGER
    GENERATED ALWAYS AS (coalesce(json_array_length(doc, '$.conflicts'), 0)) VIRTUAL;
CREATE INDEX projects_with_conflicts ON projects (conflict_count) WHERE conflict_count > 0;
