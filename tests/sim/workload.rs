//! The workload: what people do, as a list of steps generated from the seed before
//! the run starts. A step names what it acts on abstractly (community 1, group 2,
//! "the 3rd upcoming session"), and the runner resolves it against the database when
//! the step comes, so a step list can be cut down (the shrink) and still run.
//!
//! Adding an action kind: a variant of [`Action`], a line in [`generate`]'s table, and
//! an arm in `World::apply` (in `mod.rs`).

use std::fmt;

use super::rng::Rng;

/// Zones on both hemispheres, without DST, and Lord Howe's 30-minute shift.
pub const ZONES: &[&str] = &[
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Africa/Johannesburg",
    "America/Sao_Paulo",
    "Europe/Berlin",
    "America/Los_Angeles",
    "Pacific/Chatham",
];

/// Local times of day, weighted towards the hours clocks change at.
const TIMES: &[(u32, u32)] = &[
    (18, 30),
    (19, 0),
    (2, 30),
    (1, 30),
    (2, 15),
    (3, 0),
    (10, 0),
    (0, 30),
    (23, 30),
    (12, 0),
];

pub const REPEATS: &[&str] = &[
    "once",
    "weekly",
    "fortnightly",
    "monthly-weekday",
    "monthly-last-weekday",
    "monthly-date",
];

const OFFSETS: &[&str] = &["24h,1h", "1d,1h", "2d", "none", "3h,30m", "1d"];
const CRONS: &[&str] = &[
    "0 19 * * MON",
    "30 2 * * *",
    "0 9 * * MON-FRI",
    "15 1 * * SUN",
    "0 12 1 * *",
];

/// A community's people: members (who RSVP) and facilitators (the pool).
pub const MEMBERS: u32 = 24;
pub const FACILITATORS: u32 = 5;
pub const GROUPS: u32 = 4;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Setup {
        c: u32,
        zone: &'static str,
    },
    CreateGroup {
        c: u32,
        g: u32,
        drop_in: bool,
        privacy: &'static str,
        capacity: Option<i64>,
        needed: i64,
        zone: &'static str,
    },
    AddSeries {
        c: u32,
        g: u32,
        repeat: &'static str,
        in_days: i64,
        time: (u32, u32),
        minutes: i64,
        count: Option<i64>,
    },
    AddFacilitator {
        c: u32,
        g: u32,
        f: u32,
        lead: bool,
        cap: Option<i64>,
    },
    /// A burst of card clicks on one session.
    Clicks {
        c: u32,
        g: u32,
        pick: u32,
        clicks: Vec<(u32, &'static str)>,
    },
    /// `/rsvp`, perhaps for every session of the series (a regular).
    Rsvp {
        c: u32,
        g: u32,
        pick: u32,
        m: u32,
        answer: &'static str,
        every: bool,
    },
    CheckIn {
        c: u32,
        g: u32,
        m: u32,
    },
    DmReminders {
        c: u32,
        m: u32,
        on: bool,
    },
    Move {
        c: u32,
        g: u32,
        pick: u32,
        days: i64,
        time: (u32, u32),
    },
    Cancel {
        c: u32,
        g: u32,
        pick: u32,
    },
    EndSeries {
        c: u32,
        g: u32,
        pick: u32,
        after_days: i64,
    },
    Archive {
        c: u32,
        g: u32,
    },
    Offsets {
        c: u32,
        g: u32,
        offsets: &'static str,
    },
    Capacity {
        c: u32,
        g: u32,
        capacity: Option<i64>,
    },
    Zone {
        c: u32,
        g: u32,
        zone: &'static str,
    },
    Privacy {
        c: u32,
        g: u32,
        privacy: &'static str,
    },
    Fill {
        c: u32,
        g: u32,
    },
    Swap {
        c: u32,
        g: u32,
        pick: u32,
    },
    Take {
        c: u32,
        g: u32,
        f: u32,
        pick: u32,
    },
    Decline {
        c: u32,
        g: u32,
        pick: u32,
    },
    /// A coordinator puts a facilitator on a session by hand (`/rota assign`): the
    /// rota's rules applying, or with `force:yes` past someone's time away or cap.
    Assign {
        c: u32,
        g: u32,
        f: u32,
        pick: u32,
        force: bool,
    },
    /// A coordinator takes someone off a session (`/rota unassign`).
    Unassign {
        c: u32,
        g: u32,
        pick: u32,
    },
    Confirm {
        c: u32,
        g: u32,
        pick: u32,
    },
    Away {
        c: u32,
        f: u32,
        in_days: i64,
        days: i64,
        g: Option<u32>,
    },
    Back {
        c: u32,
        f: u32,
    },
    PromptAdd {
        c: u32,
        g: u32,
        n: u32,
    },
    PromptSubmit {
        c: u32,
        g: u32,
        m: u32,
        n: u32,
    },
    PromptReview {
        c: u32,
        g: u32,
        pick: u32,
        approve: bool,
    },
    PromptRetire {
        c: u32,
        g: u32,
        pick: u32,
    },
    PromptSchedule {
        c: u32,
        g: u32,
        cron: Option<&'static str>,
        thread: bool,
    },
    /// Drop-in opening hours on some weekdays (refused for a meeting group).
    DropinHours {
        c: u32,
        g: u32,
        days: &'static str,
        from: (u32, u32),
        to: (u32, u32),
    },
    DropinClosed {
        c: u32,
        g: u32,
        in_days: i64,
    },
    DropinHere {
        c: u32,
        g: u32,
        f: u32,
    },
    DropinLeave {
        c: u32,
        g: u32,
        f: u32,
    },
    ChannelGone {
        c: u32,
        g: u32,
        gone: bool,
    },
    DmsClosed {
        c: u32,
        m: u32,
        closed: bool,
    },
    /// `/privacy forget`, confirmed: by the member, or by a coordinator for them.
    /// `m` from [`MEMBERS`] on is facilitator `m - MEMBERS`.
    Forget {
        c: u32,
        m: u32,
        by_coordinator: bool,
    },
    /// The process dies at the `after`th next commit (inside its transaction).
    CrashAtCommit {
        after: u32,
        down_secs: i64,
    },
    /// The process dies right after the `after`th next post lands, before it is marked.
    CrashAfterPost {
        after: u32,
        down_secs: i64,
    },
}

impl Action {
    /// The community it acts in (none for the process's own crashes).
    pub fn community(&self) -> Option<u32> {
        match self {
            Action::Setup { c, .. }
            | Action::CreateGroup { c, .. }
            | Action::AddSeries { c, .. }
            | Action::AddFacilitator { c, .. }
            | Action::Clicks { c, .. }
            | Action::Rsvp { c, .. }
            | Action::CheckIn { c, .. }
            | Action::DmReminders { c, .. }
            | Action::Move { c, .. }
            | Action::Cancel { c, .. }
            | Action::EndSeries { c, .. }
            | Action::Archive { c, .. }
            | Action::Offsets { c, .. }
            | Action::Capacity { c, .. }
            | Action::Zone { c, .. }
            | Action::Privacy { c, .. }
            | Action::Fill { c, .. }
            | Action::Swap { c, .. }
            | Action::Take { c, .. }
            | Action::Decline { c, .. }
            | Action::Assign { c, .. }
            | Action::Unassign { c, .. }
            | Action::Confirm { c, .. }
            | Action::Away { c, .. }
            | Action::Back { c, .. }
            | Action::PromptAdd { c, .. }
            | Action::PromptSubmit { c, .. }
            | Action::PromptReview { c, .. }
            | Action::PromptRetire { c, .. }
            | Action::PromptSchedule { c, .. }
            | Action::DropinHours { c, .. }
            | Action::DropinClosed { c, .. }
            | Action::DropinHere { c, .. }
            | Action::DropinLeave { c, .. }
            | Action::ChannelGone { c, .. }
            | Action::DmsClosed { c, .. }
            | Action::Forget { c, .. } => Some(*c),
            Action::CrashAtCommit { .. } | Action::CrashAfterPost { .. } => None,
        }
    }

    /// The members whose own doing this is (and who so give hearth data again).
    pub fn members_acting(&self) -> Vec<(u32, u32)> {
        match self {
            Action::Clicks { c, clicks, .. } => clicks.iter().map(|(m, _)| (*c, *m)).collect(),
            Action::Rsvp { c, m, .. }
            | Action::CheckIn { c, m, .. }
            | Action::DmReminders { c, m, .. }
            | Action::PromptSubmit { c, m, .. } => vec![(*c, *m)],
            // A facilitator, as [`Action::Forget`] numbers them.
            Action::AddFacilitator { c, f, .. }
            | Action::Take { c, f, .. }
            | Action::Away { c, f, .. }
            | Action::Back { c, f }
            | Action::DropinHere { c, f, .. }
            | Action::DropinLeave { c, f, .. } => vec![(*c, MEMBERS + *f)],
            _ => Vec::new(),
        }
    }
}

/// How the generator makes one kind of action.
type MakeAction<'a> = dyn Fn(&mut Rng) -> Action + 'a;

/// One step of the workload: an action at a moment (seconds from the start).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub at_secs: i64,
    pub action: Action,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.at_secs / 86_400;
        let s = self.at_secs % 86_400;
        write!(
            f,
            "day {d} {:02}:{:02}:{:02} {:?}",
            s / 3600,
            s / 60 % 60,
            s % 60,
            self.action
        )
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub days: u32,
    pub communities: u32,
    /// Workload actions per community per day, on average.
    pub per_day: f64,
}

/// The whole workload of a seed.
pub fn generate(seed: u64, shape: Shape) -> Vec<Step> {
    let mut rng = Rng::new(seed ^ 0x005E_ED0F_57E9);
    let mut steps = Vec::new();
    for c in 0..shape.communities {
        steps.push(Step {
            at_secs: 0,
            action: Action::Setup {
                c,
                zone: rng.pick(ZONES),
            },
        });
        for g in 0..GROUPS {
            steps.push(Step {
                at_secs: 0,
                action: Action::CreateGroup {
                    c,
                    g,
                    drop_in: rng.chance(0.25),
                    privacy: rng.pick(&["private", "headcount", "public"]),
                    capacity: rng.chance(0.6).then(|| rng.range(2, 8)),
                    needed: rng.range(0, 2),
                    zone: rng.pick(ZONES),
                },
            });
            for f in 0..FACILITATORS {
                if rng.chance(0.7) {
                    steps.push(Step {
                        at_secs: 0,
                        action: Action::AddFacilitator {
                            c,
                            g,
                            f,
                            lead: f == 0,
                            cap: rng.chance(0.4).then(|| rng.range(1, 4)),
                        },
                    });
                }
            }
            for _ in 0..rng.range(1, 2) {
                steps.push(Step {
                    at_secs: 0,
                    action: series(&mut rng, c, g),
                });
            }
            steps.push(Step {
                at_secs: 0,
                action: dropin_hours(&mut rng, c, g),
            });
            for n in 0..rng.range(0, 4) as u32 {
                steps.push(Step {
                    at_secs: 0,
                    action: Action::PromptAdd { c, g, n },
                });
            }
        }
        for m in 0..MEMBERS {
            if rng.chance(0.4) {
                steps.push(Step {
                    at_secs: 0,
                    action: Action::DmReminders { c, m, on: true },
                });
            }
            if rng.chance(0.1) {
                steps.push(Step {
                    at_secs: 0,
                    action: Action::DmsClosed { c, m, closed: true },
                });
            }
        }
    }
    let total = f64::from(shape.days) * f64::from(shape.communities) * shape.per_day;
    let mean_gap = (f64::from(shape.days) * 86_400.0 / total.max(1.0)).max(1.0);
    let mut at = 60i64;
    let end = i64::from(shape.days) * 86_400;
    let mut prompt_n = 100u32;
    loop {
        // Exponential gaps, and sometimes a burst a few seconds apart.
        let u = ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64).max(1e-9);
        let gap = if rng.chance(0.2) {
            rng.range(0, 5)
        } else {
            (-u.ln() * mean_gap) as i64
        };
        at += gap.max(0);
        if at >= end {
            break;
        }
        let c = rng.below(u64::from(shape.communities)) as u32;
        let g = rng.below(u64::from(GROUPS)) as u32;
        let m = rng.below(u64::from(MEMBERS)) as u32;
        let f = rng.below(u64::from(FACILITATORS)) as u32;
        let pick = rng.below(6) as u32;
        // The table: weight, then how to make the action.
        let table: &[(u32, &MakeAction)] = &[
            (30, &|rng| {
                let n = rng.range(3, 14) as u32;
                let clicks = (0..n)
                    .map(|_| {
                        (
                            rng.below(u64::from(MEMBERS)) as u32,
                            rng.pick(&["going", "going", "going", "maybe", "cant"]),
                        )
                    })
                    .collect();
                Action::Clicks { c, g, pick, clicks }
            }),
            (10, &|rng| Action::Rsvp {
                c,
                g,
                pick,
                m,
                answer: rng.pick(&["going", "maybe", "cant"]),
                every: rng.chance(0.3),
            }),
            (3, &|_| Action::CheckIn { c, g, m }),
            (2, &|rng| Action::DmReminders {
                c,
                m,
                on: rng.chance(0.6),
            }),
            (3, &|rng| Action::Move {
                c,
                g,
                pick,
                days: rng.range(-2, 3),
                time: rng.pick(TIMES),
            }),
            (3, &|_| Action::Cancel { c, g, pick }),
            (1, &|rng| Action::EndSeries {
                c,
                g,
                pick,
                after_days: rng.range(0, 60),
            }),
            (2, &|rng| series(rng, c, g)),
            (1, &|rng| Action::Offsets {
                c,
                g,
                offsets: rng.pick(OFFSETS),
            }),
            (2, &|rng| Action::Capacity {
                c,
                g,
                capacity: rng.chance(0.8).then(|| rng.range(1, 9)),
            }),
            (1, &|rng| Action::Zone {
                c,
                g,
                zone: rng.pick(ZONES),
            }),
            (1, &|rng| Action::Privacy {
                c,
                g,
                privacy: rng.pick(&["private", "headcount", "public"]),
            }),
            (2, &|_| Action::Fill { c, g }),
            (4, &|_| Action::Swap { c, g, pick }),
            (5, &|_| Action::Take { c, g, f, pick }),
            (3, &|_| Action::Decline { c, g, pick }),
            // A third of them with force:yes, drawn from `pick` so the steps drawn
            // before and after are the same as without it.
            (2, &|_| Action::Assign {
                c,
                g,
                f,
                pick,
                force: pick.is_multiple_of(3),
            }),
            (1, &|_| Action::Unassign { c, g, pick }),
            (4, &|_| Action::Confirm { c, g, pick }),
            (2, &|rng| Action::Away {
                c,
                f,
                in_days: rng.range(0, 20),
                days: rng.range(1, 14),
                g: rng.chance(0.3).then_some(g),
            }),
            (1, &|_| Action::Back { c, f }),
            (2, &|_| Action::PromptAdd { c, g, n: 0 }),
            (3, &|_| Action::PromptSubmit { c, g, m, n: 0 }),
            (3, &|rng| Action::PromptReview {
                c,
                g,
                pick,
                approve: rng.chance(0.7),
            }),
            (1, &|_| Action::PromptRetire { c, g, pick }),
            (1, &|rng| Action::PromptSchedule {
                c,
                g,
                cron: rng.chance(0.7).then(|| rng.pick(CRONS)),
                thread: rng.chance(0.5),
            }),
            (1, &|rng| dropin_hours(rng, c, g)),
            (1, &|rng| Action::DropinClosed {
                c,
                g,
                in_days: rng.range(0, 20),
            }),
            (2, &|_| Action::DropinHere { c, g, f }),
            (1, &|_| Action::DropinLeave { c, g, f }),
            (1, &|rng| Action::ChannelGone {
                c,
                g,
                gone: rng.chance(0.3),
            }),
            (1, &|rng| Action::DmsClosed {
                c,
                m,
                closed: rng.chance(0.5),
            }),
            (1, &|rng| Action::Forget {
                c,
                m: if rng.chance(0.25) { MEMBERS + f } else { m },
                by_coordinator: rng.chance(0.3),
            }),
            (1, &|rng| Action::CrashAtCommit {
                after: rng.range(1, 40) as u32,
                down_secs: downtime(rng),
            }),
            (1, &|rng| Action::CrashAfterPost {
                after: rng.range(1, 30) as u32,
                down_secs: downtime(rng),
            }),
        ];
        let weights: Vec<u32> = table.iter().map(|(w, _)| *w).collect();
        let chosen = rng.weighted(&weights);
        let mut action = (table[chosen].1)(&mut rng);
        // Prompts get a number of their own, so each text is told apart in posts.
        match &mut action {
            Action::PromptAdd { n, .. } | Action::PromptSubmit { n, .. } => {
                prompt_n += 1;
                *n = prompt_n;
            }
            // Archiving is rare: a few a year across all communities.
            Action::EndSeries { .. } if rng.chance(0.05) => action = Action::Archive { c, g },
            _ => {}
        }
        steps.push(Step { at_secs: at, action });
    }
    steps
}

fn dropin_hours(rng: &mut Rng, c: u32, g: u32) -> Action {
    let (from, to) = rng.pick(&[
        ((14, 0), (16, 0)),
        ((1, 30), (3, 0)),
        ((10, 0), (12, 30)),
        ((18, 0), (21, 0)),
    ]);
    Action::DropinHours {
        c,
        g,
        days: rng.pick(&["mon,thu", "sat", "tue,wed,fri", "sun"]),
        from,
        to,
    }
}

fn series(rng: &mut Rng, c: u32, g: u32) -> Action {
    Action::AddSeries {
        c,
        g,
        repeat: rng.pick(REPEATS),
        in_days: rng.range(0, 30),
        time: rng.pick(TIMES),
        minutes: rng.pick(&[60, 90, 120]),
        count: rng.chance(0.3).then(|| rng.range(2, 20)),
    }
}

/// How long the process stays down after a crash: mostly seconds, sometimes longer
/// than Discord keeps nonces.
fn downtime(rng: &mut Rng) -> i64 {
    match rng.below(10) {
        0 => rng.range(600, 4 * 3600),
        1..=2 => rng.range(60, 600),
        _ => rng.range(1, 60),
    }
}
