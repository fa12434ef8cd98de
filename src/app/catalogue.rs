//! The command catalogue: every command, its options, their types, choices, limits
//! and help text, declared once.
//!
//! The console parses and lists `/help` from it; the Discord adapter takes its
//! descriptions from it, and a test checks every registered slash command against it
//! (names, options, types, required flags, choices, limits). Commands only the
//! console has (`/as`, `/clock`, `/click` for a card's buttons) are marked so.

use crate::domain::text::Field;

/// One command.
#[derive(Debug)]
pub struct Command {
    /// Its words: `"meeting add"`.
    pub path: &'static str,
    /// One line for `/help` and Discord's command list (at most 100 characters).
    pub summary: &'static str,
    pub options: &'static [Opt],
    /// Registered on Discord too; `false` for the console's own commands.
    pub on_discord: bool,
}

/// One option of a command.
#[derive(Debug)]
pub struct Opt {
    pub name: &'static str,
    /// The help beside it, on Discord and in the console (at most 100 characters).
    pub help: &'static str,
    pub required: bool,
    pub kind: Kind,
}

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text kept under one of [`Field`]'s rules.
    Text(Field),
    /// Text read by a parser: a group name, a time, a duration, a list. `example`
    /// shows its form in usage lines.
    Word { example: &'static str },
    /// A whole number in `min..=max`.
    Int { min: i64, max: i64 },
    /// yes or no (a Discord boolean).
    YesNo,
    /// One of a fixed set.
    Choice(&'static [Choice]),
    /// A channel (`#name` or its id in the console).
    Channel,
    /// A role (its id in the console).
    Role,
    /// A member (a name in the console, a user picker on Discord).
    User,
}

/// One allowed value of a [`Kind::Choice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// What the console types and the app reads.
    pub value: &'static str,
    /// What Discord's menu shows.
    pub label: &'static str,
}

const fn choice(value: &'static str, label: &'static str) -> Choice {
    Choice { value, label }
}

const fn req(name: &'static str, help: &'static str, kind: Kind) -> Opt {
    Opt {
        name,
        help,
        required: true,
        kind,
    }
}

const fn opt(name: &'static str, help: &'static str, kind: Kind) -> Opt {
    Opt {
        name,
        help,
        required: false,
        kind,
    }
}

pub const KINDS: &[Choice] = &[choice("meeting", "meeting"), choice("drop-in", "drop-in")];

pub const PRIVACY: &[Choice] = &[
    choice("headcount", "headcount: numbers, never names"),
    choice("private", "private: nobody sees who or how many"),
    choice("public", "public: members see names"),
];

pub const REPEATS: &[Choice] = &[
    choice("once", "once"),
    choice("weekly", "weekly"),
    choice("fortnightly", "fortnightly"),
    choice("monthly-weekday", "monthly-weekday"),
    choice("monthly-last-weekday", "monthly-last-weekday"),
    choice("monthly-date", "monthly-date"),
];

pub const ANSWERS: &[Choice] = &[
    choice("going", "going"),
    choice("maybe", "maybe"),
    choice("cant", "can't make it"),
];

pub const BUTTONS: &[Choice] = &[
    choice("going", "Going"),
    choice("maybe", "Maybe"),
    choice("cant", "Can't make it"),
    choice("here", "I'm here"),
    choice("take", "Take shift"),
    choice("confirm", "Confirm"),
    choice("decline", "Can't do it"),
    choice("approve", "Approve"),
    choice("reject", "Reject"),
    choice("forget", "Confirm: forget"),
    choice("better", "A bit better"),
    choice("same", "About the same"),
    choice("not-so-good", "Not so good"),
    choice("fine", "All fine"),
    choice("flag", "Something to flag"),
    choice("share", "Share how it's been"),
];

/// The quarterly questions' answers.
pub const SCALE: &[Choice] = &[
    choice("yes", "yes"),
    choice("a-little", "a little"),
    choice("no", "no"),
];

pub const SWAP_APPROVALS: &[Choice] = &[
    choice("none", "none: the first to take a shift has it"),
    choice("coordinator", "coordinator: a coordinator approves each take"),
];

/// What `at:` takes in `/prompts schedule`.
pub const PROMPT_MOMENTS: &[Choice] = &[choice("session-start", "as each session starts")];

pub const ROLES: &[Choice] = &[
    choice("member", "member"),
    choice("facilitator", "facilitator"),
    choice("coordinator", "coordinator"),
];

const GROUP: Kind = Kind::Word {
    example: "\"Tuesday Circle\"",
};
const SESSION: Kind = Kind::Word { example: "12" };
const ZONE: Kind = Kind::Word {
    example: "Europe/London",
};
const WHEN: Kind = Kind::Word {
    example: "\"2026-12-01 18:30\"",
};
const DATE: Kind = Kind::Word {
    example: "2027-07-01",
};
const WALL_TIME: Kind = Kind::Word { example: "14:00" };
const SPAN: Kind = Kind::Word { example: "7d" };
const PROMPT: Kind = Kind::Word { example: "4" };
const QUARTER: Kind = Kind::Word { example: "2026-Q4" };
const CRON: Kind = Kind::Word {
    example: "\"0 19 * * MON\"",
};

/// The options `/group create` and `/group edit` share, after their first ones.
macro_rules! group_settings {
    ($($first:expr),* ; $capacity:literal, $places:expr, $needed:literal, $privacy:literal, $announce:literal) => {
        &[
            $($first,)*
            opt("timezone", "Its time zone (default: the community's)", ZONE),
            opt("kind", "Scheduled meetings or a drop-in", Kind::Choice(KINDS)),
            opt("description", "A sentence about the group", Kind::Text(Field::Description)),
            opt("capacity", $capacity, $places),
            opt("facilitators_needed", $needed, Kind::Int { min: 0, max: 20 }),
            opt("privacy", $privacy, Kind::Choice(PRIVACY)),
            opt("announce", $announce, SPAN),
        ]
    };
}

/// Every command, in the order `/help` lists them.
pub const COMMANDS: &[Command] = &[
    Command {
        path: "setup",
        summary: "Set your community's defaults: time zone, coordinator role, alerts channel, support text",
        on_discord: true,
        options: &[
            opt(
                "timezone",
                "Default time zone for new groups, e.g. Europe/London",
                ZONE,
            ),
            opt(
                "coordinator_role",
                "Members with this role can organise, as well as those with Manage Server",
                Kind::Role,
            ),
            opt(
                "alerts_channel",
                "Where hearth tells coordinators about problems",
                Kind::Channel,
            ),
            opt(
                "support_text",
                "Signposting shown by /support: crisis lines, local services",
                Kind::Text(Field::SupportText),
            ),
            opt(
                "retention_days",
                "Days attendance is kept (1 to 3650)",
                Kind::Int { min: 1, max: 3650 },
            ),
            opt(
                "audit_retention_days",
                "Days the audit trail is kept (default 730, at most 3650)",
                Kind::Int { min: 1, max: 3650 },
            ),
            opt(
                "small_counts",
                "Reports show counts of 1 to 4 as \"fewer than 5\" (default yes)",
                Kind::YesNo,
            ),
            opt(
                "quarterly",
                "Ask members each quarter what the group has meant to them (default no)",
                Kind::YesNo,
            ),
        ],
    },
    Command {
        path: "quarterly words",
        summary: "Members' own words from the quarterly question, for coordinators only",
        on_discord: true,
        options: &[
            opt("quarter", "The quarter, e.g. 2026-Q4 (default: the latest)", QUARTER),
            opt("page", "Which page (default 1)", Kind::Int { min: 1, max: 1000 }),
        ],
    },
    Command {
        path: "support",
        summary: "Where to find support and urgent help (hearth is not a crisis service)",
        on_discord: true,
        options: &[],
    },
    Command {
        path: "group create",
        summary: "Start a group",
        on_discord: true,
        options: group_settings!(
            req("name", "The group's name, e.g. Tuesday Circle", Kind::Text(Field::GroupName)),
            req("channel", "Where its cards and reminders are posted", Kind::Channel);
            "Places per session (leave out for no limit)",
            Kind::Int { min: 1, max: 10_000 },
            "Facilitators each session needs (default 1)",
            "Who sees who is coming (default headcount)",
            "How long before each session its card goes up, e.g. 7d (default) or 2d"
        ),
    },
    Command {
        path: "group edit",
        summary: "Change a group's settings",
        on_discord: true,
        options: group_settings!(
            req("group", "The group", GROUP),
            opt("name", "A new name", Kind::Text(Field::GroupName)),
            opt("channel", "A new channel", Kind::Channel),
            opt("rota", "Fill new sessions from the pool as they are added (default yes)", Kind::YesNo),
            opt("swap_approval", "Whether a take waits for a coordinator", Kind::Choice(SWAP_APPROVALS)),
            opt("rota_channel", "Where open shifts are posted (none: DMs to the pool)", Kind::Channel),
            opt("answers", "A drop-in's cards offer \"I might come\" (default no: no answers)", Kind::YesNo),
            opt("listed", "Shown on the community's public page of groups (default no)", Kind::YesNo),
            opt("checkout", "Ended cards ask how members are leaving (default yes)", Kind::YesNo),
            opt("debrief", "Facilitators get a How did it go? DM after each session (default yes)", Kind::YesNo),
            opt("events", "Each session also shows in the server's Events tab (default yes)", Kind::YesNo);
            "Places per session, or none for no limit",
            Kind::Word { example: "12" },
            "Facilitators each session needs",
            "Who sees who is coming",
            "How long before each session its card goes up, e.g. 7d or 2d"
        ),
    },
    Command {
        path: "group list",
        summary: "Every group in this community",
        on_discord: true,
        options: &[],
    },
    Command {
        path: "group info",
        summary: "One group's settings, series and next session",
        on_discord: true,
        options: &[req("group", "The group", GROUP)],
    },
    Command {
        path: "group archive",
        summary: "Retire a group, keeping its history",
        on_discord: true,
        options: &[req("group", "The group", GROUP)],
    },
    Command {
        path: "meeting add",
        summary: "Add a meeting or a repeating series",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            req("when", "First session, local time: 2026-12-01 18:30", WHEN),
            opt("repeat", "How it repeats (default once)", Kind::Choice(REPEATS)),
            opt(
                "days",
                "Weekdays for weekly series, e.g. mon,thu",
                Kind::Word { example: "mon,thu" },
            ),
            opt(
                "every",
                "Every N weeks (weekly series)",
                Kind::Int { min: 1, max: 52 },
            ),
            opt(
                "duration",
                "Length, e.g. 90m or 1h30m (default 90m)",
                Kind::Word { example: "90m" },
            ),
            opt("until", "Last date, e.g. 2027-07-01", DATE),
            opt("count", "Number of sessions", Kind::Int { min: 1, max: 1000 }),
            opt(
                "location",
                "Voice channel, link or address",
                Kind::Text(Field::Location),
            ),
            opt(
                "rrule",
                "Any RFC 5545 rule, e.g. FREQ=MONTHLY;BYDAY=1MO,3MO",
                Kind::Text(Field::Rule),
            ),
        ],
    },
    Command {
        path: "meeting list",
        summary: "Upcoming sessions with their numbers",
        on_discord: true,
        options: &[
            opt("group", "Only this group", GROUP),
            opt(
                "weeks",
                "How many weeks ahead (default 4)",
                Kind::Int { min: 1, max: 52 },
            ),
        ],
    },
    Command {
        path: "meeting cancel",
        summary: "Cancel one session (the series goes on)",
        on_discord: true,
        options: &[
            req("session", "The session", SESSION),
            opt("reason", "Shown to members", Kind::Text(Field::Reason)),
        ],
    },
    Command {
        path: "meeting move",
        summary: "Move one session to another time",
        on_discord: true,
        options: &[
            req("session", "The session", SESSION),
            req("when", "New time, local: 2026-12-01 18:30", WHEN),
        ],
    },
    Command {
        path: "meeting end",
        summary: "End a series",
        on_discord: true,
        options: &[
            req(
                "series",
                "The series number (see /group info)",
                Kind::Int {
                    min: 1,
                    max: i64::MAX,
                },
            ),
            opt("after", "Its last date (default today)", DATE),
        ],
    },
    Command {
        path: "schedule",
        summary: "What's on across every group in the coming days",
        on_discord: true,
        options: &[opt(
            "days",
            "How many days ahead (default 14)",
            Kind::Int { min: 1, max: 366 },
        )],
    },
    Command {
        path: "reminders set",
        summary: "When a group's reminders go out, e.g. 24h,1h (whole days keep the local time)",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            req(
                "offsets",
                "Up to 5 times before each session, e.g. 1d,1h or 24h,30m; none for no reminders",
                Kind::Word { example: "24h,1h" },
            ),
        ],
    },
    Command {
        path: "reminders dm on",
        summary: "Get a direct message before sessions you're going to",
        on_discord: true,
        options: &[],
    },
    Command {
        path: "reminders dm off",
        summary: "Stop direct-message reminders",
        on_discord: true,
        options: &[],
    },
    Command {
        path: "rsvp",
        summary: "Answer for a session: going, maybe, or can't make it",
        on_discord: true,
        options: &[
            req("session", "The session", SESSION),
            req("state", "Your answer", Kind::Choice(ANSWERS)),
            opt(
                "every",
                "Going to every session of this series (you can still change one)",
                Kind::YesNo,
            ),
        ],
    },
    Command {
        path: "click",
        summary: "Press a button: going, here, better, not-so-good, fine, flag, take, approve… (words under each post)",
        on_discord: false,
        options: &[
            req("button", "The button", Kind::Choice(BUTTONS)),
            opt(
                "session",
                "The session, for a card's or a shift's buttons",
                SESSION,
            ),
            opt("prompt", "The submitted prompt, for a review's buttons", PROMPT),
            opt(
                "user",
                "The member, for /privacy forget's Confirm (default: you)",
                Kind::User,
            ),
            opt(
                "note",
                "What to flag, for a debrief's Something to flag (its form on Discord)",
                Kind::Text(Field::DebriefNote),
            ),
            opt("quarter", "The quarter, for the quarterly question's button", QUARTER),
            opt("confident", "The quarterly form: do you feel more confident?", Kind::Choice(SCALE)),
            opt("in_control", "The quarterly form: do you feel more in control?", Kind::Choice(SCALE)),
            opt("hopeful", "The quarterly form: do you feel more hopeful?", Kind::Choice(SCALE)),
            opt(
                "words",
                "The quarterly form: anything in your own words (optional)",
                Kind::Text(Field::QuarterlyWords),
            ),
        ],
    },
    Command {
        path: "my sessions",
        summary: "Your upcoming answers, with their times",
        on_discord: true,
        options: &[],
    },
    Command {
        path: "attendance show",
        summary: "Who is coming to a session (only you see the list)",
        on_discord: true,
        options: &[req("session", "The session", SESSION)],
    },
    Command {
        path: "attendance mark",
        summary: "Mark who attended a session",
        on_discord: true,
        options: &[
            req("session", "The session", SESSION),
            req(
                "users",
                "Who attended: @mentions or names, separated by commas",
                Kind::Text(Field::People),
            ),
        ],
    },
    // Check-in prompts (issue 11).
    Command {
        path: "prompts add",
        summary: "Add a check-in prompt to a group's deck (facilitators, coordinators)",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            req(
                "text",
                "The prompt, e.g. What's one small thing that went okay?",
                Kind::Text(Field::Prompt),
            ),
            opt(
                "content_note",
                "Shown before the prompt, e.g. loss",
                Kind::Text(Field::ContentNote),
            ),
        ],
    },
    Command {
        path: "prompts list",
        summary: "A group's prompt deck, its schedule and the next post",
        on_discord: true,
        options: &[req("group", "The group", GROUP)],
    },
    Command {
        path: "prompts retire",
        summary: "Take a prompt out of its deck",
        on_discord: true,
        options: &[req("prompt", "The prompt's number, from /prompts list", PROMPT)],
    },
    Command {
        path: "prompts use-default",
        summary: "Add hearth's own deck of prompts to a group's, or take it out",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            req(
                "use",
                "yes to add the default deck, no to take it out",
                Kind::YesNo,
            ),
        ],
    },
    Command {
        path: "prompts schedule",
        summary: "When a group's prompts are posted: a 5-field cron in its zone, or at each session's start",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            opt(
                "cron",
                "minute hour day month weekday, e.g. 0 19 * * MON (at most hourly)",
                CRON,
            ),
            opt("at", "Or: as each session starts", Kind::Choice(PROMPT_MOMENTS)),
            opt(
                "thread",
                "Open a thread on each post for replies (default no)",
                Kind::YesNo,
            ),
        ],
    },
    Command {
        path: "prompts pause",
        summary: "Stop posting a group's prompts for now",
        on_discord: true,
        options: &[req("group", "The group", GROUP)],
    },
    Command {
        path: "prompts resume",
        summary: "Post a group's prompts again",
        on_discord: true,
        options: &[req("group", "The group", GROUP)],
    },
    Command {
        path: "prompts now",
        summary: "Post the group's next prompt now (facilitators)",
        on_discord: true,
        options: &[req("group", "The group", GROUP)],
    },
    Command {
        path: "prompts submit",
        summary: "Suggest a check-in prompt for a group; a facilitator reviews it",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            opt(
                "text",
                "Your prompt (on Discord, leave out to type it in a form)",
                Kind::Text(Field::Prompt),
            ),
            opt(
                "content_note",
                "Shown before the prompt, e.g. loss",
                Kind::Text(Field::ContentNote),
            ),
        ],
    },
    Command {
        path: "prompts review",
        summary: "Submitted prompts waiting for review, with Approve and Reject",
        on_discord: true,
        options: &[req("group", "The group", GROUP)],
    },
    // ----- drop-ins (issue 12) -----
    Command {
        path: "dropin hours",
        summary: "A drop-in's opening hours: add a window on some days, or clear them all",
        on_discord: true,
        options: &[
            req("group", "The drop-in group", GROUP),
            opt(
                "days",
                "Days it opens, e.g. mon,thu",
                Kind::Word { example: "mon,thu" },
            ),
            opt("from", "Opening time in the group's zone, e.g. 14:00", WALL_TIME),
            opt("to", "Closing time; before from: means the next day", WALL_TIME),
            opt("clear", "yes to clear all the group's hours", Kind::YesNo),
        ],
    },
    Command {
        path: "dropin closed",
        summary: "Close a drop-in for one day, e.g. a bank holiday",
        on_discord: true,
        options: &[
            req("group", "The drop-in group", GROUP),
            req("date", "The day, in the group's zone", DATE),
            opt(
                "reason",
                "Shown to members, e.g. bank holiday",
                Kind::Text(Field::Reason),
            ),
        ],
    },
    Command {
        path: "dropin list",
        summary: "Every drop-in: its hours and whether it is open now",
        on_discord: true,
        options: &[],
    },
    Command {
        path: "dropin status",
        summary: "Is a drop-in open now, until when, and who is on duty",
        on_discord: true,
        options: &[req("group", "The drop-in group", GROUP)],
    },
    Command {
        path: "dropin here",
        summary: "Start your duty at a drop-in now, until its window closes (facilitators)",
        on_discord: true,
        options: &[req("group", "The drop-in group", GROUP)],
    },
    Command {
        path: "dropin leave",
        summary: "End your duty at a drop-in now",
        on_discord: true,
        options: &[req("group", "The drop-in group", GROUP)],
    },
    Command {
        path: "calendar link",
        summary: "A calendar link to subscribe to: every group's sessions, or one group's",
        on_discord: true,
        options: &[opt("group", "Only this group's sessions", GROUP)],
    },
    Command {
        path: "calendar reset",
        summary: "Give a calendar a new link; the old one stops working (coordinators)",
        on_discord: true,
        options: &[opt("group", "Only this group's calendar", GROUP)],
    },
    Command {
        path: "calendar page",
        summary: "The public page of listed groups: its link for sharing (coordinators)",
        on_discord: true,
        options: &[opt("reset", "A new link; the old one stops working", Kind::YesNo)],
    },
    Command {
        path: "status",
        summary: "Failed deliveries and what's next to post",
        on_discord: true,
        options: &[],
    },
    // ----- care and privacy (issue 13) -----
    Command {
        path: "privacy export",
        summary: "Everything hearth holds about you here, as a file only you see",
        on_discord: true,
        options: &[opt(
            "user",
            "Coordinators: the member you are acting for",
            Kind::User,
        )],
    },
    Command {
        path: "privacy forget",
        summary: "Delete what hearth holds about you (after you confirm); numbers stay right",
        on_discord: true,
        options: &[opt(
            "user",
            "Coordinators: the member you are acting for",
            Kind::User,
        )],
    },
    Command {
        path: "audit",
        summary: "Who changed what, and when (coordinators)",
        on_discord: true,
        options: &[
            opt("group", "Only changes to this group", GROUP),
            opt(
                "days",
                "How many days back (default 30)",
                Kind::Int { min: 1, max: 3650 },
            ),
            opt(
                "page",
                "Which page (newest first)",
                Kind::Int { min: 1, max: 10_000 },
            ),
        ],
    },
    Command {
        path: "report",
        summary: "Attendance figures for funders, per group and month, without names (coordinators)",
        on_discord: true,
        options: &[
            req("from", "The first day, e.g. 2026-01-01", DATE),
            req("to", "The last day, e.g. 2026-03-31 (at most 3 years on)", DATE),
            opt("group", "Only this group", GROUP),
        ],
    },
    // ----- the facilitator rota (issue 10) -----
    Command {
        path: "rota facilitator add",
        summary: "Add someone to a group's pool of facilitators",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            req("user", "The facilitator", Kind::User),
            opt("lead", "A lead may manage this group's rota", Kind::YesNo),
            opt(
                "monthly_cap",
                "At most this many shifts a month (leave out for no cap)",
                Kind::Int { min: 1, max: 31 },
            ),
        ],
    },
    Command {
        path: "rota facilitator remove",
        summary: "Take someone out of a group's pool (their shifts to come go back to the pool)",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            req("user", "The facilitator", Kind::User),
        ],
    },
    Command {
        path: "rota show",
        summary: "Who facilitates each session of a group, and the gaps",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            opt(
                "weeks",
                "How many weeks ahead (default 4)",
                Kind::Int { min: 1, max: 12 },
            ),
        ],
    },
    Command {
        path: "rota mine",
        summary: "Your shifts to come, and your time away",
        on_discord: true,
        options: &[],
    },
    Command {
        path: "rota away",
        summary: "Time away: you won't be put on the rota, and shifts then go back to the pool",
        on_discord: true,
        options: &[
            req("from", "Your first day away, e.g. 2026-12-01", DATE),
            req("to", "Your last day away, e.g. 2026-12-14", DATE),
            opt("group", "Only this group (default: every group)", GROUP),
        ],
    },
    Command {
        path: "rota back",
        summary: "End your time away now",
        on_discord: true,
        options: &[],
    },
    Command {
        path: "rota fill",
        summary: "Share out a group's open shifts fairly (filling twice changes nothing)",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            opt(
                "weeks",
                "How many weeks ahead (default 12)",
                Kind::Int { min: 1, max: 12 },
            ),
        ],
    },
    Command {
        path: "rota assign",
        summary: "Put a facilitator on a session by hand (a fill never moves it)",
        on_discord: true,
        options: &[
            req("session", "The session", SESSION),
            req("user", "The facilitator", Kind::User),
            opt(
                "force",
                "Coordinators: even if they are away or at their cap (audited)",
                Kind::YesNo,
            ),
        ],
    },
    Command {
        path: "rota unassign",
        summary: "Take a facilitator off a session; the place is open again",
        on_discord: true,
        options: &[
            req("session", "The session", SESSION),
            req("user", "The facilitator", Kind::User),
        ],
    },
    Command {
        path: "rota swap",
        summary: "Offer your shift to the pool (it stays yours until someone takes it)",
        on_discord: true,
        options: &[req("session", "The session", SESSION)],
    },
    Command {
        path: "rota take",
        summary: "Take an open shift (the first to take it has it)",
        on_discord: true,
        options: &[req("session", "The session", SESSION)],
    },
    Command {
        path: "rota confirm",
        summary: "Confirm you'll facilitate a session",
        on_discord: true,
        options: &[req("session", "The session", SESSION)],
    },
    Command {
        path: "rota decline",
        summary: "Say you can't do a shift; it goes to the pool",
        on_discord: true,
        options: &[req("session", "The session", SESSION)],
    },
    Command {
        path: "rota settings",
        summary: "A group's rota: auto-fill, swap approval, where open shifts are posted",
        on_discord: true,
        options: &[
            req("group", "The group", GROUP),
            opt(
                "auto",
                "Fill new sessions from the pool as they are added (default yes)",
                Kind::YesNo,
            ),
            opt(
                "swap_approval",
                "Whether a take waits for a coordinator",
                Kind::Choice(SWAP_APPROVALS),
            ),
            opt(
                "rota_channel",
                "Where open shifts are posted (default: DMs to the pool)",
                Kind::Channel,
            ),
        ],
    },
    Command {
        path: "rota me",
        summary: "Whether cards name you as a facilitator",
        on_discord: true,
        options: &[req(
            "show_name",
            "Show my name on cards of sessions I facilitate",
            Kind::YesNo,
        )],
    },
    // ----- end of the rota -----
    Command {
        path: "as",
        summary: "Who types next (without role:, the role they last had; someone new is a member)",
        on_discord: false,
        options: &[
            req("user", "A name", Kind::Text(Field::GroupName)),
            opt("role", "member, facilitator or coordinator", Kind::Choice(ROLES)),
        ],
    },
    Command {
        path: "clock show",
        summary: "The simulated time (with --clock)",
        on_discord: false,
        options: &[],
    },
    Command {
        path: "clock set",
        summary: "Move simulated time to a moment (with --clock)",
        on_discord: false,
        options: &[req(
            "when",
            "Local time in the community's zone, or 2026-03-01T09:00:00Z",
            WHEN,
        )],
    },
    Command {
        path: "clock advance",
        summary: "Move simulated time on, posting what falls due (with --clock)",
        on_discord: false,
        options: &[req("by", "How long, e.g. 3d or 1h30m", SPAN)],
    },
    Command {
        path: "help",
        summary: "This list",
        on_discord: false,
        options: &[],
    },
    Command {
        path: "quit",
        summary: "Leave",
        on_discord: false,
        options: &[],
    },
];

/// The command with these words.
pub fn find(path: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|command| command.path == path)
}

impl Command {
    pub fn option(&self, name: &str) -> Option<&'static Opt>
    where
        Self: 'static,
    {
        self.options.iter().find(|o| o.name == name)
    }

    /// `/meeting add group: when: [repeat:] ...`, each with its form.
    pub fn usage(&self) -> String {
        let mut usage = format!("/{}", self.path);
        for option in self.options.iter().filter(|o| o.required) {
            usage.push_str(&format!(" {}:{}", option.name, option.kind.form()));
        }
        for option in self.options.iter().filter(|o| !o.required) {
            usage.push_str(&format!(" [{}:]", option.name));
        }
        usage
    }
}

impl Kind {
    /// What a value looks like, for usage lines.
    pub fn form(self) -> String {
        match self {
            Kind::Text(Field::GroupName) => "\"Tuesday Circle\"".into(),
            Kind::Text(_) => "\"...\"".into(),
            Kind::Word { example } => example.into(),
            Kind::Int { min, .. } => min.max(1).to_string(),
            Kind::YesNo => "yes".into(),
            Kind::Choice(choices) => choices.iter().map(|c| c.value).collect::<Vec<_>>().join("|"),
            Kind::Channel => "#channel".into(),
            Kind::Role => "ROLE_ID".into(),
            Kind::User => "Sam".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_option_names_are_unique_and_help_fits_discord() {
        for (i, command) in COMMANDS.iter().enumerate() {
            assert!(
                COMMANDS[..i].iter().all(|c| c.path != command.path),
                "{} twice",
                command.path
            );
            assert!(command.summary.chars().count() <= 100, "{}", command.path);
            for (j, option) in command.options.iter().enumerate() {
                assert!(
                    command.options[..j].iter().all(|o| o.name != option.name),
                    "{} {} twice",
                    command.path,
                    option.name
                );
                assert!(
                    option.help.chars().count() <= 100,
                    "{} {}",
                    command.path,
                    option.name
                );
            }
            // Discord lists required options first.
            let first_optional = command.options.iter().position(|o| !o.required);
            if let Some(first) = first_optional {
                assert!(
                    command.options[first..].iter().all(|o| !o.required),
                    "{}: required options come first",
                    command.path
                );
            }
        }
    }

    #[test]
    fn usage_shows_each_required_option_with_its_form() {
        let add = find("meeting add").unwrap();
        assert_eq!(
            add.usage(),
            "/meeting add group:\"Tuesday Circle\" when:\"2026-12-01 18:30\" [repeat:] [days:] \
             [every:] [duration:] [until:] [count:] [location:] [rrule:]"
        );
        assert_eq!(
            find("rsvp").unwrap().usage(),
            "/rsvp session:12 state:going|maybe|cant [every:]"
        );
    }
}
