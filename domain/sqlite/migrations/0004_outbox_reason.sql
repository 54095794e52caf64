-- 0004: why the server refused a change, kept as it said it.

-- reason is the server's refusal of a change that needs attention (需处理)
-- as JSON: {"code", "message" (Chinese), "message_en", "problems": [{"path",
-- "code", "message", "message_en"}]}, the protocol's error as it came, so
-- each language and each field's problem stay apart. NULL for a change the
-- server has not refused, and for one refused before this version: those
-- have only last_error, the text in both languages, which every refusal
-- still fills for older programs.
ALTER TABLE outbox ADD COLUMN reason TEXT;
