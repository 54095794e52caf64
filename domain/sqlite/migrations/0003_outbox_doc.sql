-- 0003: the whole document of a new project beside the change that creates
-- it; the server's copy of a project is not stored twice.

-- doc is the project's JSON document as the save that created it wrote it
-- (NULL for every other change): the sync engine sends it instead of the
-- change's some sixty field changes, which the payload still holds (a
-- server that does not know documents gets those). It is cleared when the
-- server acknowledges the change.
ALTER TABLE outbox ADD COLUMN doc TEXT;

-- From this version projects.server_doc = '' means "the same as doc": a
-- pulled project with nothing local on top is stored once. Every write of
-- doc first moves the old doc into server_doc when it is ''.
