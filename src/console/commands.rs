//! The console's command table: which commands exist, what options each takes, and
//! the call into `app` each one makes — the same functions Discord calls.

use crate::app::groups::{GroupCreate, GroupEdit};
use crate::app::meetings::MeetingAdd;
use crate::app::setup::SetupInput;
use crate::app::{Actor, App, AppError, AppResult};

use super::parse::CommandLine;

/// One command: its words, options and a usage example.
pub struct Spec {
    pub path: &'static str,
    pub summary: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
}

/// Every command the console runs through `app`, in the order `/help` lists them.
pub const SPECS: &[Spec] = &[
    Spec {
        path: "setup",
        summary: "community defaults",
        required: &[],
        optional: &[
            "timezone",
            "coordinator_role",
            "alerts_channel",
            "support_text",
            "retention_days",
        ],
    },
    Spec {
        path: "support",
        summary: "where to find support and urgent help (hearth is not a crisis service)",
        required: &[],
        optional: &[],
    },
    Spec {
        path: "group create",
        summary: "start a group",
        required: &["name", "channel"],
        optional: &[
            "timezone",
            "kind",
            "description",
            "capacity",
            "facilitators_needed",
            "privacy",
            "announce",
        ],
    },
    Spec {
        path: "group edit",
        summary: "change a group's settings",
        required: &["group"],
        optional: &[
            "name",
            "channel",
            "timezone",
            "kind",
            "description",
            "capacity",
            "facilitators_needed",
            "privacy",
            "announce",
        ],
    },
    Spec {
        path: "group list",
        summary: "every group",
        required: &[],
        optional: &[],
    },
    Spec {
        path: "group info",
        summary: "one group's settings and series",
        required: &["group"],
        optional: &[],
    },
    Spec {
        path: "group archive",
        summary: "retire a group, keeping its history",
        required: &["group"],
        optional: &[],
    },
    Spec {
        path: "meeting add",
        summary: "add a meeting or a repeating series",
        required: &["group", "when"],
        optional: &[
            "repeat", "days", "every", "duration", "until", "count", "location", "rrule",
        ],
    },
    Spec {
        path: "meeting list",
        summary: "upcoming sessions with their numbers",
        required: &[],
        optional: &["group", "weeks"],
    },
    Spec {
        path: "meeting cancel",
        summary: "cancel one session",
        required: &["session"],
        optional: &["reason"],
    },
    Spec {
        path: "meeting move",
        summary: "move one session",
        required: &["session", "when"],
        optional: &[],
    },
    Spec {
        path: "meeting end",
        summary: "end a series",
        required: &["series"],
        optional: &["after"],
    },
    Spec {
        path: "schedule",
        summary: "what's on across every group",
        required: &[],
        optional: &["days"],
    },
    Spec {
        path: "reminders set",
        summary: "when a group's reminders go out, e.g. offsets:24h,1h",
        required: &["group", "offsets"],
        optional: &[],
    },
    Spec {
        path: "reminders dm on",
        summary: "get reminders by direct message",
        required: &[],
        optional: &[],
    },
    Spec {
        path: "reminders dm off",
        summary: "stop reminders by direct message",
        required: &[],
        optional: &[],
    },
    Spec {
        path: "rsvp",
        summary: "answer for a session: going, maybe or cant; every:yes for the whole series",
        required: &["session", "state"],
        optional: &["every"],
    },
    Spec {
        path: "click",
        summary: "press a card's button: going, maybe, cant, or here during a session",
        required: &["session", "button"],
        optional: &[],
    },
    Spec {
        path: "my sessions",
        summary: "your upcoming answers",
        required: &[],
        optional: &[],
    },
    Spec {
        path: "attendance show",
        summary: "who is coming (facilitators; everyone in public groups)",
        required: &["session"],
        optional: &[],
    },
    Spec {
        path: "attendance mark",
        summary: "mark who attended, e.g. users:\"Sam, Kit\"",
        required: &["session", "users"],
        optional: &[],
    },
    Spec {
        path: "status",
        summary: "failed deliveries and what's next to post",
        required: &[],
        optional: &[],
    },
];

/// The options of one typed command, checked against its spec.
pub struct Options<'a> {
    line: &'a CommandLine,
}

impl<'a> Options<'a> {
    /// Checks for unknown and missing options.
    pub fn check(spec: &Spec, line: &'a CommandLine) -> Result<Options<'a>, AppError> {
        for (name, _) in &line.options {
            if !spec.required.contains(&name.as_str()) && !spec.optional.contains(&name.as_str()) {
                let known: Vec<String> = spec
                    .required
                    .iter()
                    .chain(spec.optional)
                    .map(|o| format!("{o}:"))
                    .collect();
                let takes = if known.is_empty() {
                    "no options".to_string()
                } else {
                    known.join(" ")
                };
                return Err(AppError::invalid(format!(
                    "/{} has no option {name}:. It takes: {takes}",
                    spec.path
                )));
            }
        }
        for required in spec.required {
            if !line.options.iter().any(|(n, _)| n == required) {
                return Err(AppError::invalid(format!(
                    "/{} needs {required}:. {}",
                    spec.path,
                    usage(spec)
                )));
            }
        }
        Ok(Options { line })
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.line
            .options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    /// A required option (already checked to be present).
    pub fn required(&self, name: &str) -> String {
        self.text(name).unwrap_or_default()
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, AppError> {
        self.text(name)
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    AppError::invalid(format!(
                        "{name}: should be a whole number, like {name}:10 (not \"{v}\")."
                    ))
                })
            })
            .transpose()
    }
}

/// `Usage: /meeting add group: when: [repeat:] ...`
pub fn usage(spec: &Spec) -> String {
    let mut usage = format!("Usage: /{}", spec.path);
    for required in spec.required {
        usage.push_str(&format!(" {required}:"));
    }
    for optional in spec.optional {
        usage.push_str(&format!(" [{optional}:]"));
    }
    usage
}

pub fn find(path: &[String]) -> Option<&'static Spec> {
    let typed = path.join(" ");
    SPECS.iter().find(|spec| spec.path == typed)
}

/// Runs one checked command through the app.
pub async fn dispatch(app: &App, actor: &Actor, spec: &Spec, o: &Options<'_>) -> AppResult {
    match spec.path {
        "setup" => {
            let input = SetupInput {
                timezone: o.text("timezone"),
                coordinator_role: o.text("coordinator_role"),
                alerts_channel: o.text("alerts_channel"),
                support_text: o.text("support_text"),
                retention_days: o.int("retention_days")?,
            };
            app.setup(actor, input).await
        }
        "group create" => {
            let input = GroupCreate {
                name: o.required("name"),
                channel: o.required("channel"),
                timezone: o.text("timezone"),
                kind: o.text("kind"),
                description: o.text("description"),
                capacity: o.int("capacity")?,
                facilitators_needed: o.int("facilitators_needed")?,
                privacy: o.text("privacy"),
                announce: o.text("announce"),
            };
            app.group_create(actor, input).await
        }
        "group edit" => {
            let input = GroupEdit {
                group: o.required("group"),
                name: o.text("name"),
                channel: o.text("channel"),
                timezone: o.text("timezone"),
                kind: o.text("kind"),
                description: o.text("description"),
                capacity: o.text("capacity").map(|c| c.parse()).transpose()?,
                facilitators_needed: o.int("facilitators_needed")?,
                privacy: o.text("privacy"),
                announce: o.text("announce"),
            };
            app.group_edit(actor, input).await
        }
        "group list" => app.group_list(actor).await,
        "group info" => app.group_info(actor, &o.required("group")).await,
        "group archive" => app.group_archive(actor, &o.required("group")).await,
        "meeting add" => {
            let input = MeetingAdd {
                group: o.required("group"),
                when: o.required("when"),
                repeat: o.text("repeat"),
                days: o.text("days"),
                every: o.int("every")?,
                duration: o.text("duration"),
                until: o.text("until"),
                count: o.int("count")?,
                location: o.text("location"),
                rrule: o.text("rrule"),
            };
            app.meeting_add(actor, input).await
        }
        "meeting list" => {
            app.meeting_list(actor, o.text("group").as_deref(), o.int("weeks")?)
                .await
        }
        "meeting cancel" => {
            app.meeting_cancel(actor, &o.required("session"), o.text("reason"))
                .await
        }
        "meeting move" => {
            app.meeting_move(actor, &o.required("session"), &o.required("when"))
                .await
        }
        "meeting end" => {
            app.meeting_end(actor, &o.required("series"), o.text("after").as_deref())
                .await
        }
        "schedule" => app.schedule(actor, o.int("days")?).await,
        "reminders set" => {
            app.reminders_set(actor, &o.required("group"), &o.required("offsets"))
                .await
        }
        "reminders dm on" => app.reminders_dm(actor, "on").await,
        "reminders dm off" => app.reminders_dm(actor, "off").await,
        "status" => app.status(actor).await,
        "support" => app.support(actor).await,
        "rsvp" => {
            let every = match o.text("every").as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("no") => false,
                Some("yes") => true,
                Some(other) => {
                    return Err(AppError::invalid(format!(
                        "every: is yes or no, not \"{other}\"."
                    )))
                }
            };
            app.rsvp(actor, &o.required("session"), &o.required("state"), every)
                .await
        }
        "click" => {
            let click = crate::app::rsvp::Click::parse(&o.required("button"))?;
            app.click(actor, &o.required("session"), click).await
        }
        "my sessions" => app.my_sessions(actor).await,
        "attendance show" => app.attendance_show(actor, &o.required("session")).await,
        "attendance mark" => {
            app.attendance_mark(actor, &o.required("session"), &o.required("users"))
                .await
        }
        other => Err(AppError::invalid(format!(
            "/{other} isn't available in the console yet."
        ))),
    }
}
