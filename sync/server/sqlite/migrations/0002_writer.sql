-- 0002: which device's push wrote each project last.

-- writer is the device id of the push that wrote the project's current
-- version ('' for any other write). A device that could rebuild what its
-- own push stored (the push's answers say so, with the document's SHA-256)
-- names those rows' sequence numbers when it pulls, and the pull leaves out
-- the rows among them that it wrote: it has them already. A row written
-- since by anyone else has another sequence number and comes down as
-- usual.
ALTER TABLE projects ADD COLUMN writer TEXT NOT NULL DEFAULT '';
