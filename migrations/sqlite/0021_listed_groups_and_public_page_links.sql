-- The public page of a community's groups (/c/TOKEN) lists only the groups a
-- coordinator chose to list (`/group edit listed:yes`); none is listed at first.
ALTER TABLE meeting_group ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;

-- The page has its own token, apart from the calendar's: the community calendar
-- shows every group, the page only the listed ones, so one must not open the other.
ALTER TABLE calendar_feed ADD COLUMN kind TEXT NOT NULL DEFAULT 'calendar' CHECK (kind IN ('calendar', 'page'));
DROP INDEX calendar_feed_one_per_scope;
CREATE UNIQUE INDEX calendar_feed_one_per_kind_and_scope ON calendar_feed (community_id, kind, COALESCE(group_id, 0));
