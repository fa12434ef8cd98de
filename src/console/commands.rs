//! The console's side of the command catalogue: options checked against
//! [`catalogue`], and the call into `app` each command makes — the same functions
//! Discord calls.

use crate::app::catalogue::{self, Command, Kind};
use crate::app::groups::{GroupCreate, GroupEdit};
use crate::app::input::{self, SessionId};
use crate::app::meetings::MeetingAdd;
use crate::app::outcomes::OutcomeButton;
use crate::app::prompts::{PromptSchedule, Review};
use crate::app::rota::{Person, RotaButton, RotaChanges, RotaSettingsInput};
use crate::app::setup::SetupInput;
use crate::app::{Actor, App, AppError, AppResult};

use super::parse::CommandLine;

/// The options of one typed command, checked against its catalogue entry.
pub struct Options<'a> {
    command: &'static Command,
    line: &'a CommandLine,
}

impl<'a> Options<'a> {
    /// Checks for unknown and missing options.
    pub fn check(command: &'static Command, line: &'a CommandLine) -> Result<Options<'a>, AppError> {
        // A choice's value is read by its parser, which also takes friendly spellings
        // (can't, drop in) and says what is allowed.
        for (name, _) in &line.options {
            if command.option(name).is_none() {
                let known: Vec<String> = command.options.iter().map(|o| format!("{}:", o.name)).collect();
                let takes = if known.is_empty() {
                    "no options".to_string()
                } else {
                    known.join(" ")
                };
                return Err(AppError::invalid(format!(
                    "/{} has no option {name}:. It takes: {takes}",
                    command.path
                )));
            }
        }
        for required in command.options.iter().filter(|o| o.required) {
            if !line.options.iter().any(|(n, _)| n == required.name) {
                return Err(AppError::invalid(format!(
                    "/{} needs {}:. Usage: {}",
                    command.path,
                    required.name,
                    command.usage()
                )));
            }
        }
        Ok(Options { command, line })
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

    /// A whole number, within the catalogue's limits for it.
    pub fn int(&self, name: &str) -> Result<Option<i64>, AppError> {
        let Some(typed) = self.text(name) else {
            return Ok(None);
        };
        let value = typed.trim().parse::<i64>().map_err(|_| {
            AppError::invalid(format!(
                "{name}: should be a whole number, like {name}:10 (not \"{typed}\")."
            ))
        })?;
        if let Some(Kind::Int { min, max }) = self.command.option(name).map(|o| o.kind) {
            if !(min..=max).contains(&value) {
                let range = if max == i64::MAX {
                    format!("{min} or more")
                } else {
                    format!("from {min} to {max}")
                };
                return Err(AppError::invalid(format!(
                    "{name}: is a whole number {range}, and {value} is outside that."
                )));
            }
        }
        Ok(Some(value))
    }

    /// yes or no.
    pub fn yes_no(&self, name: &str) -> Result<Option<bool>, AppError> {
        match self.text(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None => Ok(None),
            Some("yes" | "true" | "on") => Ok(Some(true)),
            Some("no" | "false" | "off") => Ok(Some(false)),
            Some(other) => Err(AppError::invalid(format!(
                "{name}: is yes or no, not \"{other}\"."
            ))),
        }
    }

    /// An option read into its type by one of [`input`]'s readers.
    pub fn read<T>(&self, name: &str, read: fn(&str) -> Result<T, AppError>) -> Result<Option<T>, AppError> {
        input::optional(self.text(name).as_deref(), read)
    }

    /// The command's `session:`.
    pub fn session(&self) -> Result<SessionId, AppError> {
        input::session(&self.required("session"))
    }

    /// A choice as typed, lower-cased, for its parser.
    pub fn choice(&self, name: &str) -> Option<String> {
        self.text(name).map(|v| v.trim().to_ascii_lowercase())
    }
}

/// The catalogue's command for these typed words.
pub fn find(path: &[String]) -> Option<&'static Command> {
    catalogue::find(&path.join(" "))
}

/// Runs one checked command through the app, each option read into its type.
pub async fn dispatch(app: &App, actor: &Actor, o: &Options<'_>) -> AppResult {
    match o.command.path {
        "setup" => {
            let input = SetupInput {
                timezone: o.read("timezone", input::zone)?,
                coordinator_role: o.text("coordinator_role"),
                alerts_channel: o.text("alerts_channel"),
                support_text: o.text("support_text"),
                retention_days: o.int("retention_days")?,
                audit_retention_days: o.int("audit_retention_days")?,
                small_counts_hidden: o.yes_no("small_counts")?,
                quarterly: o.yes_no("quarterly")?,
            };
            app.setup(actor, input).await
        }
        "group create" => {
            let input = GroupCreate {
                name: o.required("name"),
                channel: o.required("channel"),
                timezone: o.read("timezone", input::zone)?,
                kind: o.read("kind", input::kind)?,
                description: o.text("description"),
                capacity: o.int("capacity")?,
                facilitators_needed: o.int("facilitators_needed")?,
                privacy: o.read("privacy", input::privacy)?,
                announce: o.read("announce", input::duration)?,
            };
            app.group_create(actor, input).await
        }
        "group edit" => {
            let input = GroupEdit {
                group: o.required("group"),
                name: o.text("name"),
                channel: o.text("channel"),
                timezone: o.read("timezone", input::zone)?,
                kind: o.read("kind", input::kind)?,
                description: o.text("description"),
                capacity: o.read("capacity", input::capacity_change)?,
                facilitators_needed: o.int("facilitators_needed")?,
                privacy: o.read("privacy", input::privacy)?,
                announce: o.read("announce", input::duration)?,
                rota: RotaChanges {
                    auto_fill: o.yes_no("rota")?,
                    swap_approval: o.read("swap_approval", input::swap_approval)?,
                    rota_channel: o.text("rota_channel"),
                },
                answers: o.yes_no("answers")?,
                listed: o.yes_no("listed")?,
                checkout: o.yes_no("checkout")?,
                debrief: o.yes_no("debrief")?,
                events: o.yes_no("events")?,
            };
            app.group_edit(actor, input).await
        }
        "group list" => app.group_list(actor).await,
        "group info" => app.group_info(actor, &o.required("group")).await,
        "group archive" => app.group_archive(actor, &o.required("group")).await,
        "meeting add" => {
            let input = MeetingAdd {
                group: o.required("group"),
                when: input::when(&o.required("when"))?,
                repeat: o.read("repeat", input::repeat)?,
                days: o.read("days", input::weekdays)?,
                every: o.int("every")?,
                duration: o.read("duration", input::duration)?,
                until: o.read("until", input::date)?,
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
        "meeting cancel" => app.meeting_cancel(actor, o.session()?, o.text("reason")).await,
        "meeting move" => {
            let when = input::when(&o.required("when"))?;
            app.meeting_move(actor, o.session()?, when).await
        }
        "meeting end" => {
            let series = input::series(&o.required("series"))?;
            app.meeting_end(actor, series, o.read("after", input::date)?)
                .await
        }
        "schedule" => app.schedule(actor, o.int("days")?).await,
        "reminders set" => {
            let offsets = input::offsets(&o.required("offsets"))?;
            app.reminders_set(actor, &o.required("group"), &offsets).await
        }
        "reminders dm on" => app.reminders_dm(actor, true).await,
        "reminders dm off" => app.reminders_dm(actor, false).await,
        "status" => app.status(actor).await,
        "calendar link" => app.calendar_link(actor, o.text("group").as_deref()).await,
        "calendar page" => {
            app.calendar_page(actor, o.yes_no("reset")?.unwrap_or(false))
                .await
        }
        "calendar reset" => app.calendar_reset(actor, o.text("group").as_deref()).await,
        "support" => app.support(actor).await,
        "rsvp" => {
            let state = input::answer(&o.required("state"))?;
            let every = o.yes_no("every")?.unwrap_or(false);
            app.rsvp(actor, o.session()?, state, every).await
        }
        "click" if o.choice("button").as_deref() == Some("forget") => {
            // /privacy forget's Confirm: for the member named, or the one typing.
            let user = o
                .text("user")
                .map_or_else(|| actor.user_id.clone(), |_| person(o).user_id);
            app.privacy_forget_confirmed(actor, &user).await
        }
        "privacy export" => app.privacy_export(actor, o.text("user").map(|_| person(o))).await,
        "privacy forget" => app.privacy_forget(actor, o.text("user").map(|_| person(o))).await,
        "audit" => {
            app.audit(actor, o.text("group").as_deref(), o.int("days")?, o.int("page")?)
                .await
        }
        "report" => {
            let (from, to) = (date(o, "from")?, date(o, "to")?);
            app.report(actor, from, to, o.text("group").as_deref()).await
        }
        "click" => {
            // A review's Approve / Reject name a prompt; every other button a session.
            if o.text("prompt").is_some() {
                let Some(review) = Review::parse(&o.required("button")) else {
                    return Err(AppError::invalid(
                        "A review's buttons are approve and reject, like /click prompt:4 button:approve.",
                    ));
                };
                let prompt = input::prompt(&o.required("prompt"))?;
                return app.prompts_review_click(actor, prompt, review).await;
            }
            if let Some(quarter) = o.text("quarter") {
                let quarter = quarter.parse().map_err(AppError::Invalid)?;
                let form = crate::app::quarterly::QuarterlyForm {
                    confident: o.text("confident"),
                    in_control: o.text("in_control"),
                    hopeful: o.text("hopeful"),
                    words: o.text("words"),
                };
                let filled = [&form.confident, &form.in_control, &form.hopeful, &form.words]
                    .iter()
                    .any(|f| f.is_some());
                return if filled {
                    app.quarterly_answer(actor, quarter, &form).await
                } else {
                    app.quarterly_open(actor, quarter).await
                };
            }
            if o.text("session").is_none() {
                return Err(AppError::invalid(format!(
                    "/click needs session: for a card's or a shift's buttons (or prompt: for a review's). Usage: {}",
                    o.command.usage()
                )));
            }
            if let Some(button) = RotaButton::parse(&o.required("button")) {
                return app.rota_click(actor, o.session()?, button).await;
            }
            if let Some(button) = OutcomeButton::parse(&o.required("button")) {
                let note = o.text("note");
                return app
                    .outcome_click(actor, o.session()?, button, note.as_deref())
                    .await;
            }
            let click = crate::app::rsvp::Click::parse(&o.required("button"))?;
            app.click(actor, o.session()?, click).await
        }
        path if path.starts_with("prompts ") => dispatch_prompts(app, actor, o).await,
        path if path.starts_with("dropin ") => dispatch_dropin(app, actor, o).await,
        "my sessions" => app.my_sessions(actor).await,
        "quarterly words" => {
            let quarter = match o.text("quarter") {
                Some(q) => Some(q.parse().map_err(AppError::Invalid)?),
                None => None,
            };
            app.quarterly_words(actor, quarter, o.int("page")?).await
        }
        "attendance show" => app.attendance_show(actor, o.session()?).await,
        "attendance mark" => {
            app.attendance_mark(actor, o.session()?, &o.required("users"))
                .await
        }
        path if path.starts_with("rota ") => dispatch_rota(app, actor, o).await,
        other => Err(AppError::invalid(format!(
            "/{other} isn't available in the console yet."
        ))),
    }
}

// ----- the facilitator rota -----

/// A person as typed in the console: a name, the same one `/as user:` takes.
fn person(o: &Options<'_>) -> Person {
    let name = o.required("user").trim().to_string();
    Person {
        user_id: format!("console:{}", name.to_lowercase()),
        name,
        member: true,
    }
}

fn date(o: &Options<'_>, name: &str) -> Result<chrono::NaiveDate, AppError> {
    input::date(&o.required(name))
}

fn weeks(o: &Options<'_>) -> Result<Option<u32>, AppError> {
    Ok(o.int("weeks")?.and_then(|w| u32::try_from(w).ok()))
}

/// The rota's commands, kept together so they move as one block.
async fn dispatch_rota(app: &App, actor: &Actor, o: &Options<'_>) -> AppResult {
    match o.command.path {
        "rota facilitator add" => {
            let lead = o.yes_no("lead")?.unwrap_or(false);
            app.rota_facilitator_add(
                actor,
                &o.required("group"),
                person(o),
                lead,
                o.int("monthly_cap")?,
            )
            .await
        }
        "rota facilitator remove" => {
            app.rota_facilitator_remove(actor, &o.required("group"), person(o))
                .await
        }
        "rota show" => app.rota_show(actor, &o.required("group"), weeks(o)?).await,
        "rota mine" => app.rota_mine(actor).await,
        "rota away" => {
            let (from, to) = (date(o, "from")?, date(o, "to")?);
            app.rota_away(actor, from, to, o.text("group").as_deref()).await
        }
        "rota back" => app.rota_back(actor).await,
        "rota fill" => app.rota_fill(actor, &o.required("group"), weeks(o)?).await,
        "rota assign" => {
            let force = o.yes_no("force")?.unwrap_or(false);
            app.rota_assign(actor, o.session()?, person(o), force).await
        }
        "rota unassign" => app.rota_unassign(actor, o.session()?, person(o)).await,
        "rota swap" => app.rota_swap(actor, o.session()?).await,
        "rota take" => app.rota_take(actor, o.session()?).await,
        "rota confirm" => app.rota_confirm(actor, o.session()?).await,
        "rota decline" => app.rota_decline(actor, o.session()?).await,
        "rota settings" => {
            let swap_approval = o.read("swap_approval", input::swap_approval)?;
            let input = RotaSettingsInput {
                group: o.required("group"),
                auto_fill: o.yes_no("auto")?,
                swap_approval,
                rota_channel: o.text("rota_channel").map(|c| {
                    let c = c.trim().to_string();
                    (!c.eq_ignore_ascii_case("none") && !c.is_empty()).then_some(c)
                }),
            };
            app.rota_settings(actor, input).await
        }
        "rota me" => {
            let show = o.yes_no("show_name")?.unwrap_or(true);
            app.rota_me(actor, show).await
        }
        other => Err(AppError::invalid(format!(
            "/{other} isn't available in the console yet."
        ))),
    }
}

/// `/dropin ...`: drop-in hours, closed days, status and duty.
async fn dispatch_dropin(app: &App, actor: &Actor, o: &Options<'_>) -> AppResult {
    match o.command.path {
        "dropin hours" => {
            app.dropin_hours_command(
                actor,
                o.required("group"),
                o.read("days", input::weekdays)?,
                o.read("from", input::wall_time)?,
                o.read("to", input::wall_time)?,
                o.yes_no("clear")?.unwrap_or(false),
            )
            .await
        }
        "dropin closed" => {
            let date = input::date(&o.required("date"))?;
            app.dropin_closed(actor, &o.required("group"), date, o.text("reason"))
                .await
        }
        "dropin list" => app.dropin_list(actor).await,
        "dropin status" => app.dropin_status(actor, &o.required("group")).await,
        "dropin here" => app.dropin_here(actor, &o.required("group")).await,
        "dropin leave" => app.dropin_leave(actor, &o.required("group")).await,
        other => Err(AppError::invalid(format!(
            "/{other} isn't available in the console yet."
        ))),
    }
}

/// `/prompts ...`: the check-in prompt commands.
async fn dispatch_prompts(app: &App, actor: &Actor, o: &Options<'_>) -> AppResult {
    let group = o.required("group");
    match o.command.path {
        "prompts add" => {
            app.prompts_add(
                actor,
                &group,
                &o.required("text"),
                o.text("content_note").as_deref(),
            )
            .await
        }
        "prompts list" => app.prompts_list(actor, &group).await,
        "prompts retire" => {
            app.prompts_retire(actor, input::prompt(&o.required("prompt"))?)
                .await
        }
        "prompts use-default" => {
            let on = o.yes_no("use")?.unwrap_or(true);
            app.prompts_use_default(actor, &group, on).await
        }
        "prompts schedule" => {
            let timing = input::timing(o.text("cron").as_deref(), o.text("at").as_deref())?;
            let thread = o.yes_no("thread")?.unwrap_or(false);
            app.prompts_schedule(
                actor,
                PromptSchedule {
                    group,
                    timing,
                    thread,
                },
            )
            .await
        }
        "prompts pause" => app.prompts_pause(actor, &group, true).await,
        "prompts resume" => app.prompts_pause(actor, &group, false).await,
        "prompts now" => app.prompts_now(actor, &group).await,
        "prompts submit" => {
            let Some(text) = o.text("text") else {
                return Err(AppError::invalid(
                    "What would you like to suggest? In the console, give it as text:\"...\" (on Discord a form opens).",
                ));
            };
            app.prompts_submit(actor, &group, &text, o.text("content_note").as_deref())
                .await
        }
        "prompts review" => app.prompts_review(actor, &group).await,
        other => Err(AppError::invalid(format!(
            "/{other} isn't available in the console yet."
        ))),
    }
}
