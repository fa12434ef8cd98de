//! `/group create|edit|list|info|archive`.

use chrono::Duration;

use crate::chat::{Reply, Text, TimeStyle, Tone};
use crate::domain::group::{
    parse_capacity, parse_channel, parse_facilitators_needed, CapacityChange, GroupKind, GroupName, Privacy,
};
use crate::domain::job::card_moment_key;
use crate::domain::outcome::CHECKOUT_WINDOW;
use crate::domain::recurrence::Recurrence;
use crate::domain::role::Action;
use crate::domain::text::{self, Field};
use crate::domain::time::Tz;
use crate::store::{
    self, communities, groups as group_store, jobs, outcomes as outcome_store, series as series_store,
    sessions,
};

use super::{authorize, find_group, record_audit, require_active, Actor, App, AppError, AppResult};

/// The options of `/group create`.
#[derive(Debug, Clone, Default)]
pub struct GroupCreate {
    pub name: String,
    pub channel: String,
    pub timezone: Option<Tz>,
    pub kind: Option<GroupKind>,
    pub description: Option<String>,
    pub capacity: Option<i64>,
    pub facilitators_needed: Option<i64>,
    pub privacy: Option<Privacy>,
    /// How long before each session its card is posted: 7 days by default.
    pub announce: Option<Duration>,
}

/// The options of `/group edit`: the group, then whatever changes.
#[derive(Debug, Clone, Default)]
pub struct GroupEdit {
    pub group: String,
    pub name: Option<String>,
    pub channel: Option<String>,
    pub timezone: Option<Tz>,
    pub kind: Option<GroupKind>,
    pub description: Option<String>,
    /// New places per session, or `NoLimit` to take the limit away.
    pub capacity: Option<CapacityChange>,
    pub facilitators_needed: Option<i64>,
    pub privacy: Option<Privacy>,
    /// How long before each session its card is posted: 7 days by default.
    pub announce: Option<Duration>,
    /// Its rota: auto-fill, swap approval, where open shifts are posted.
    pub rota: super::rota::RotaChanges,
    /// For a drop-in: whether its cards offer "I might come" (`answers:`).
    pub answers: Option<bool>,
    /// Whether the group appears on the community's public page (`listed:`).
    pub listed: Option<bool>,
    /// Whether ended cards ask "How are you leaving today?" (`checkout:`).
    pub checkout: Option<bool>,
    /// Whether facilitators get a debrief DM after each session (`debrief:`).
    pub debrief: Option<bool>,
    /// Whether each session is mirrored as a Discord scheduled event (`events:`).
    pub events: Option<bool>,
}

fn duplicate_name(name: &GroupName) -> AppError {
    AppError::invalid(format!(
        "There is already a group called \"{name}\" (names are compared ignoring case). \
         Please choose another name, or edit that group with /group edit."
    ))
}

impl App {
    pub async fn group_create(&self, actor: &Actor, input: GroupCreate) -> AppResult {
        authorize(actor, Action::Organise, "create groups")?;
        let name = GroupName::parse(&input.name)?;
        let channel = parse_channel(&input.channel)?;
        let kind = input.kind;
        let privacy = input.privacy;
        let capacity = input.capacity.map(parse_capacity).transpose()?;
        let needed = input
            .facilitators_needed
            .map(parse_facilitators_needed)
            .transpose()?;
        let zone = input.timezone;
        let announce = input.announce.map(announce_minutes).transpose()?;

        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let community = communities::get(&mut *tx, &actor.community_id).await?;
        let zone: Tz = match zone.or(community.and_then(|c| c.timezone)) {
            Some(zone) => zone,
            None => {
                return Err(AppError::invalid(
                    "Which time zone does this group meet in? Add timezone:Europe/London (or your \
                     zone), or set a default for the whole community with /setup timezone:...",
                ))
            }
        };
        if group_store::find_active_by_key(&mut *tx, &actor.community_id, &name.key())
            .await?
            .is_some()
        {
            return Err(duplicate_name(&name));
        }
        communities::ensure(&mut *tx, &actor.community_id, now).await?;
        let fields = group_store::GroupFields {
            name: name.as_str().to_string(),
            name_key: name.key(),
            description: match &input.description {
                Some(text) => clean_description(text)?,
                None => None,
            },
            kind: kind.unwrap_or(GroupKind::Meeting),
            channel,
            zone,
            capacity,
            facilitators_needed: needed.unwrap_or(1),
            privacy: privacy.unwrap_or(Privacy::Headcount),
            announce_lead_minutes: announce.unwrap_or(DEFAULT_ANNOUNCE_MINUTES),
        };
        let id = group_store::insert(&mut *tx, &actor.community_id, &fields, now).await?;
        record_audit(
            &mut tx,
            actor,
            "group.create",
            format!("group:{id}"),
            Some(fields.name.clone()),
            now,
        )
        .await?;
        self.commit(tx).await?;

        Ok(Reply::private(Tone::Done, format!("Created {}", fields.name))
            .lines(describe_fields(&fields))
            .line(format!(
                "Next: add its meetings with /meeting add group:\"{}\" when:\"YYYY-MM-DD HH:MM\" repeat:weekly",
                fields.name
            )))
    }

    pub async fn group_edit(&self, actor: &Actor, input: GroupEdit) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, &input.group).await?;
        // A lead of the group's rota may edit it too.
        let acting = super::rota::organiser_in_group(&mut tx, actor, group.id).await?;
        authorize(&acting, Action::Organise, "edit groups")?;
        require_active(&group)?;
        let mut fields = group_store::GroupFields::from(&group);
        let mut changed = Vec::new();
        if let Some(name) = input.name {
            let name = GroupName::parse(&name)?;
            if name.key() != fields.name_key
                && group_store::find_active_by_key(&mut *tx, &actor.community_id, &name.key())
                    .await?
                    .is_some()
            {
                return Err(duplicate_name(&name));
            }
            fields.name = name.as_str().to_string();
            fields.name_key = name.key();
            changed.push("name");
        }
        if let Some(channel) = input.channel {
            fields.channel = parse_channel(&channel)?;
            changed.push("channel");
        }
        let zone_changed = match input.timezone {
            Some(zone) => {
                fields.zone = zone;
                changed.push("time zone");
                fields.zone != group.zone
            }
            None => false,
        };
        if let Some(kind) = input.kind {
            fields.kind = kind;
            changed.push("kind");
        }
        if let Some(description) = input.description {
            fields.description = clean_description(&description)?;
            changed.push("description");
        }
        if let Some(capacity) = input.capacity {
            // Taking the limit away lets everyone on a waitlist in, as below.
            fields.capacity = capacity.capacity();
            changed.push("capacity");
        }
        if let Some(needed) = input.facilitators_needed {
            fields.facilitators_needed = parse_facilitators_needed(needed)?;
            changed.push("facilitators needed");
        }
        if let Some(privacy) = input.privacy {
            fields.privacy = privacy;
            changed.push("privacy");
        }
        if let Some(announce) = input.announce {
            fields.announce_lead_minutes = announce_minutes(announce)?;
            changed.push("announce");
        }
        changed.extend(super::rota::apply_rota_changes(&mut tx, &group, &input.rota).await?);
        if let Some(answers) = input.answers {
            super::dropin::set_answers(&mut tx, &group, fields.kind, answers).await?;
            changed.push("answers");
        }
        if let Some(listed) = input.listed {
            crate::store::calendar::set_listed(&mut *tx, group.id, listed).await?;
            changed.push("listed");
        }
        if input.checkout.is_some() || input.debrief.is_some() {
            let mut settings = outcome_store::settings(&mut *tx, group.id).await?;
            if let Some(checkout) = input.checkout {
                settings.checkout = checkout;
                changed.push("checkout");
            }
            if let Some(debrief) = input.debrief {
                settings.debrief = debrief;
                changed.push("debrief");
            }
            outcome_store::set(&mut *tx, group.id, settings).await?;
        }
        if let Some(events) = input.events {
            crate::store::events::set_group_events(&mut *tx, group.id, events).await?;
            changed.push("events");
        }
        if changed.is_empty() {
            return Err(AppError::invalid(
                "Nothing to change: add what should change, like privacy:public or timezone:Europe/Dublin.",
            ));
        }
        group_store::update(&mut *tx, group.id, &fields).await?;
        if zone_changed {
            // Meetings keep their local wall time in the new zone: re-materialise.
            for series in series_store::list_for_group(&mut *tx, group.id).await? {
                self.materialise(&mut tx, &series, fields.zone, now).await?;
            }
            // A session at a new instant may fall in a facilitator's time away.
            let horizon = self.horizon_end(now);
            for session in
                sessions::upcoming(&mut *tx, &actor.community_id, Some(group.id), now, horizon).await?
            {
                super::rota::release_holders_who_cannot_keep(&mut tx, session.id, now).await?;
            }
        }
        if changed.iter().any(|c| {
            [
                "capacity",
                "privacy",
                "name",
                "announce",
                "facilitators needed",
                "answers",
                "kind",
            ]
            .contains(c)
        }) {
            // More places may let the waitlist in; cards show the new settings; sessions
            // now short of facilitators get their gap alerts.
            let horizon = self.horizon_end(now);
            for session in
                sessions::upcoming(&mut *tx, &actor.community_id, Some(group.id), now, horizon).await?
            {
                super::rsvp::promote(&mut tx, session.id, now).await?;
                super::jobs::sync_session_jobs(&mut tx, session.id, true, now).await?;
            }
        }
        if input.events.is_some()
            || changed
                .iter()
                .any(|c| ["name", "description", "channel"].contains(c))
        {
            // Its sessions' events go up, come down, or say the new name.
            super::jobs::sync_events(&mut tx, &actor.community_id, now).await?;
        }
        record_audit(
            &mut tx,
            actor,
            "group.edit",
            format!("group:{}", group.id),
            Some(changed.join(", ")),
            now,
        )
        .await?;
        self.commit(tx).await?;

        let mut reply = Reply::private(Tone::Done, format!("Updated {}", fields.name))
            .line(format!("Changed: {}.", changed.join(", ")))
            .lines(describe_fields(&fields));
        match input.answers {
            Some(true) => reply = reply.line("Its cards offer one answer: I might come."),
            Some(false) => reply = reply.line("Its cards offer no answers: members just drop in."),
            None => {}
        }
        match input.listed {
            Some(true) => {
                reply =
                    reply.line("It is listed on the public page of groups (/calendar page gives its link).")
            }
            Some(false) => reply = reply.line("It is no longer listed on the public page of groups."),
            None => {}
        }
        match input.checkout {
            Some(true) => {
                reply = reply.line("After each session, its card asks those who came how they're leaving.")
            }
            Some(false) => reply = reply.line("Its cards won't ask how members are leaving."),
            None => {}
        }
        match input.events {
            Some(true) => {
                reply = reply.line(
                    "Its sessions show in the server's Events tab, each as it is announced (nearest first).",
                )
            }
            Some(false) => {
                reply = reply
                    .line("Its sessions no longer show in the server's Events tab; hearth removes theirs.")
            }
            None => {}
        }
        match input.debrief {
            Some(true) => reply = reply.line("Its facilitators get a How did it go? DM after each session."),
            Some(false) => reply = reply.line("Its facilitators won't get a debrief DM after sessions."),
            None => {}
        }
        if zone_changed {
            reply = reply.line(format!(
                "Its sessions keep their local times, now in {}.",
                fields.zone.name()
            ));
        }
        Ok(reply)
    }

    pub async fn group_list(&self, actor: &Actor) -> AppResult {
        authorize(actor, Action::Browse, "list groups")?;
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let groups = group_store::list(&mut *conn, &actor.community_id, false).await?;
        if groups.is_empty() {
            return Ok(Reply::private(Tone::Info, "Groups")
                .line("There are no groups yet. A coordinator can create one with /group create."));
        }
        let horizon = self.horizon_end(now);
        let mut reply = Reply::private(Tone::Info, format!("Groups ({})", groups.len()));
        for group in groups {
            let next = sessions::upcoming(&mut *conn, &actor.community_id, Some(group.id), now, horizon)
                .await?
                .into_iter()
                .find(|s| s.status != crate::domain::session::SessionStatus::Cancelled);
            let mut line = Text::new()
                .strong(group.name.clone())
                .plain(format!(" ({}) in ", group.kind.as_str()))
                .channel(group.channel.clone());
            line = match next {
                Some(session) => line
                    .plain(" · next ")
                    .time(session.starts_at, group.zone, TimeStyle::Full),
                None => line.plain(" · no sessions scheduled"),
            };
            reply = reply.line(line);
        }
        Ok(reply)
    }

    pub async fn group_info(&self, actor: &Actor, group: &str) -> AppResult {
        authorize(actor, Action::Browse, "see groups")?;
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let group = find_group(&mut conn, &actor.community_id, group).await?;
        let fields = group_store::GroupFields::from(&group);
        let mut reply = Reply::private(Tone::Info, group.name.clone()).lines(describe_fields(&fields));
        if group.archived {
            reply = reply.line("This group is archived.");
        }
        for series in series_store::list_for_group(&mut *conn, group.id).await? {
            let described = Recurrence::from_stored(series.start_local, &series.rrule)
                .map(|r| r.describe())
                .unwrap_or_else(|_| series.rrule.clone());
            let mut line = Text::new()
                .strong(format!("Series {}: ", series.id))
                .plain(format!(
                    "{described} at {} for {} min",
                    series.start_local.format("%H:%M"),
                    series.duration_minutes
                ));
            if let Some(location) = &series.location {
                line = line.plain(format!(" · {location}"));
            }
            if let Some(last) = series.ended_after {
                line = line.plain(format!(" · ended after {}", last.format("%-d %b %Y")));
            }
            reply = reply.line(line);
        }
        let horizon = now + Duration::weeks(i64::from(self.settings().horizon_weeks));
        let next = sessions::upcoming(&mut *conn, &actor.community_id, Some(group.id), now, horizon).await?;
        if let Some(session) = next
            .iter()
            .find(|s| s.status != crate::domain::session::SessionStatus::Cancelled)
        {
            reply = reply.line(
                Text::new()
                    .strong("Next session: ")
                    .plain(format!("#{} ", session.id))
                    .time(session.starts_at, group.zone, TimeStyle::Full)
                    .plain(" (")
                    .time(session.starts_at, group.zone, TimeStyle::Relative)
                    .plain(")"),
            );
        }
        Ok(reply)
    }

    pub async fn group_archive(&self, actor: &Actor, group: &str) -> AppResult {
        authorize(actor, Action::Organise, "archive groups")?;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        require_active(&group)?;
        // Each upcoming session ends as its series' would: its card is redrawn without
        // buttons, its jobs are dropped, and members counting on it are told. Before
        // the group is archived, so the notices are still queued.
        let ending = sessions::future_of_group(&mut *tx, group.id, now).await?;
        for id in &ending {
            sessions::end(&mut *tx, *id, sessions::ARCHIVED_NOTE).await?;
            super::jobs::sync_session_jobs(&mut tx, *id, true, now).await?;
        }
        // Their events come down with them.
        super::jobs::sync_events(&mut tx, &actor.community_id, now).await?;
        if let Some(first) = ending.first() {
            super::jobs::announce_end(&mut tx, *first, now).await?;
        }
        let cancelled = ending.len();
        // Sessions under way or just ended keep their cards, which lose their buttons
        // now (I'm here, the check-out) rather than at the moments planned for them.
        let recent = sessions::recent_of_group(&mut *tx, group.id, CHECKOUT_WINDOW, now).await?;
        group_store::archive(&mut *tx, group.id, now).await?;
        for id in recent {
            for moment in ["end", "closed"] {
                let key = card_moment_key(id, moment);
                jobs::skip_pending_with_prefix(&mut *tx, id, &key, "The group was archived.", now).await?;
            }
            super::jobs::redraw_card(&mut tx, &actor.community_id, id, now, now).await?;
        }
        record_audit(
            &mut tx,
            actor,
            "group.archive",
            format!("group:{}", group.id),
            None,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(
            Reply::private(Tone::Done, format!("Archived {}", group.name)).line(format!(
                "It no longer appears in lists, and {}. Its history is kept.",
                match cancelled {
                    0 => "it had no upcoming sessions".to_string(),
                    1 => "its 1 upcoming session is cancelled".to_string(),
                    n => format!("its {n} upcoming sessions are cancelled"),
                }
            )),
        )
    }
}

/// Cards go up a week before a session unless the group says otherwise.
const DEFAULT_ANNOUNCE_MINUTES: i64 = 7 * 24 * 60;

/// How long before a session its card is posted: 5 minutes to 30 days.
fn announce_minutes(lead: Duration) -> Result<i64, AppError> {
    if lead < Duration::minutes(5) || lead > Duration::days(30) {
        return Err(AppError::invalid(
            "announce: is how long before each session its card goes up, from 5m to 30d (like 7d or 2d).",
        ));
    }
    Ok(lead.num_minutes())
}

/// `7 days`, `12 hours`, `30 minutes`.
fn describe_minutes(minutes: i64) -> String {
    let (n, unit) = if minutes % (24 * 60) == 0 {
        (minutes / (24 * 60), "day")
    } else if minutes % 60 == 0 {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// A description as stored: checked by the one text rule, `None` when left empty.
fn clean_description(text: &str) -> Result<Option<String>, AppError> {
    Ok(text::clean(Field::Description, text)?.map(text::Clean::into_string))
}

/// A group's settings as lines, the same for create, edit and info.
fn describe_fields(fields: &group_store::GroupFields) -> Vec<Text> {
    let mut lines = vec![
        Text::new().strong("Channel: ").channel(fields.channel.clone()),
        Text::new().strong("Time zone: ").plain(fields.zone.name()),
        Text::new().strong("Kind: ").plain(fields.kind.as_str()),
        Text::new()
            .strong("Attendee privacy: ")
            .plain(match fields.privacy {
                Privacy::Private => "private (nobody sees who or how many is coming)",
                Privacy::Headcount => "headcount (numbers only, never names)",
                Privacy::Public => "public (members see names)",
            }),
        Text::new().strong("Places: ").plain(
            fields
                .capacity
                .map(|c| c.to_string())
                .unwrap_or_else(|| "no limit".into()),
        ),
        Text::new()
            .strong("Facilitators per session: ")
            .plain(fields.facilitators_needed.to_string()),
        Text::new().strong("Session cards go up: ").plain(format!(
            "{} before",
            describe_minutes(fields.announce_lead_minutes)
        )),
    ];
    if let Some(description) = &fields.description {
        lines.insert(0, Text::new().plain(description.clone()));
    }
    lines
}
