-- When a post was first tried without hearth hearing whether it arrived (a timeout,
-- a 5xx), in unix milliseconds. Discord drops a repeat of the post's nonce only for a
-- few minutes after that, so after them trying again could show the post twice.
ALTER TABLE job ADD COLUMN unsure_since_ms INTEGER;
