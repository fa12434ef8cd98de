//! The facilitator rota's rules: who may take a shift (time away, monthly caps, one
//! person once per session, a lead where the group has leads), and the fair,
//! deterministic fill of open places. Pure: the store loads a group's pool, its time
//! away and its shifts, [`fill`] returns the whole decision, the store writes it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, Utc};

use super::time::Tz;

/// How far back a facilitator's share of shifts is counted.
pub const TRAILING: Duration = Duration::weeks(12);

/// The duty notice goes this long before a shift.
pub const DUTY_NOTICE_BEFORE: Duration = Duration::days(3);

/// Gap alerts go at these steps before a session, each once.
pub const GAP_ALERT_STEPS: [(&str, Duration); 2] = [("7d", Duration::days(7)), ("2d", Duration::days(2))];

/// An untaken offer is reminded to the pool at these steps.
pub const OFFER_REMINDER_STEPS: [(&str, Duration); 2] =
    [("3d", Duration::days(3)), ("1d", Duration::days(1))];

/// A member of a group's pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facilitator {
    pub user_id: String,
    pub lead: bool,
    /// At most this many shifts of the group in one calendar month (group's zone).
    pub monthly_cap: Option<u32>,
}

/// A facilitator's time away: `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Away {
    pub user_id: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Away {
    pub fn overlaps(&self, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> bool {
        self.from < ends_at && starts_at < self.to
    }
}

/// One session as the rota sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub needed: u32,
    /// Who holds a place (assigned, confirmed, or offered but not yet taken).
    pub holders: Vec<String>,
    /// Who may not be put on it again (they declined it, or gave it away).
    pub excluded: Vec<String>,
}

impl Shift {
    pub fn open_places(&self) -> u32 {
        self.needed.saturating_sub(self.holders.len() as u32)
    }
}

/// What a facilitator served before the shifts being filled: shifts in the trailing
/// 12 weeks and the last one's start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Served {
    pub count: u32,
    pub last: Option<DateTime<Utc>>,
}

/// Why someone can't have a shift: the sentence says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotInPool,
    Away,
    OverCap { cap: u32 },
    AlreadyOn,
    Full,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotInPool => f.write_str("isn't in this group's pool of facilitators"),
            Refusal::Away => f.write_str("is on time away then"),
            Refusal::OverCap { cap: 1 } => f.write_str("already has a shift that month, their monthly cap"),
            Refusal::OverCap { cap } => write!(f, "already has {cap} shifts that month, their monthly cap"),
            Refusal::AlreadyOn => f.write_str("is already on that session"),
            Refusal::Full => f.write_str("can't be added: the session has all the facilitators it needs"),
        }
    }
}

/// The calendar month of an instant in the group's zone, as a key.
pub fn month_of(at: DateTime<Utc>, zone: Tz) -> (i32, u32) {
    let local = at.with_timezone(&zone);
    (local.year(), local.month())
}

/// A group's rota as loaded: the pool, time away (already limited to this group's),
/// and its shifts over the horizon.
#[derive(Debug, Clone)]
pub struct Rota<'a> {
    pub zone: Tz,
    pub pool: &'a [Facilitator],
    pub away: &'a [Away],
    pub shifts: &'a [Shift],
    /// Shifts held in each month by each facilitator, beyond those in `shifts`
    /// (earlier in a month that began before the horizon).
    pub month_before: &'a HashMap<(String, (i32, u32)), u32>,
}

/// Counts each holder's shifts per month over `shifts` plus what came before.
fn month_counts(rota: &Rota<'_>) -> HashMap<(String, (i32, u32)), u32> {
    let mut counts = rota.month_before.clone();
    for shift in rota.shifts {
        let month = month_of(shift.starts_at, rota.zone);
        for holder in &shift.holders {
            *counts.entry((holder.clone(), month)).or_default() += 1;
        }
    }
    counts
}

/// Whether someone who holds a place on a session may keep it after the session
/// changed under them (moved, or its group's zone changed): not while they are away
/// then, nor when it takes them past their monthly cap. `rota.shifts` has the session
/// at its new time, with them among its holders.
pub fn may_keep(rota: &Rota<'_>, session_id: i64, user: &str) -> bool {
    let Some(shift) = rota.shifts.iter().find(|s| s.session_id == session_id) else {
        return true;
    };
    let away = rota
        .away
        .iter()
        .any(|a| a.user_id == user && a.overlaps(shift.starts_at, shift.ends_at));
    let cap = rota
        .pool
        .iter()
        .find(|f| f.user_id == user)
        .and_then(|f| f.monthly_cap);
    let over_cap = cap.is_some_and(|cap| {
        let month = month_of(shift.starts_at, rota.zone);
        month_counts(rota)
            .get(&(user.to_string(), month))
            .is_some_and(|held| *held > cap)
    });
    !away && !over_cap
}

/// Whether `user` may be put on `shift` by the hard rules other than the lead rule
/// (which is about the shift as a whole). `months` counts shifts held per month.
fn hard_rules(
    facilitator: &Facilitator,
    shift: &Shift,
    away: &[Away],
    zone: Tz,
    months: &HashMap<(String, (i32, u32)), u32>,
) -> Result<(), Refusal> {
    let user = &facilitator.user_id;
    if shift.holders.contains(user) || shift.excluded.contains(user) {
        return Err(Refusal::AlreadyOn);
    }
    if away
        .iter()
        .any(|a| &a.user_id == user && a.overlaps(shift.starts_at, shift.ends_at))
    {
        return Err(Refusal::Away);
    }
    if let Some(cap) = facilitator.monthly_cap {
        let month = month_of(shift.starts_at, zone);
        let held = months.get(&(user.clone(), month)).copied().unwrap_or(0);
        if held >= cap {
            return Err(Refusal::OverCap { cap });
        }
    }
    Ok(())
}

/// Whether one person may be put on a shift by hand: the same hard rules as the fill
/// (a coordinator may override with `force`, which the app audits).
pub fn check_assign(rota: &Rota<'_>, session_id: i64, user: &str) -> Result<(), Refusal> {
    let facilitator = rota
        .pool
        .iter()
        .find(|f| f.user_id == user)
        .ok_or(Refusal::NotInPool)?;
    let Some(shift) = rota.shifts.iter().find(|s| s.session_id == session_id) else {
        return Err(Refusal::Full);
    };
    if shift.holders.iter().any(|h| h == user) {
        return Err(Refusal::AlreadyOn);
    }
    let months = month_counts(rota);
    let mut shift = shift.clone();
    // Having declined it before doesn't stop being put back on by hand.
    shift.excluded.retain(|e| e != user);
    hard_rules(facilitator, &shift, rota.away, rota.zone, &months)?;
    if shift.open_places() == 0 {
        return Err(Refusal::Full);
    }
    Ok(())
}

/// A fill: who goes on which session, in order, and the places left open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FillPlan {
    pub assign: Vec<(i64, String)>,
    /// (session, places still open) for sessions nobody could be found for.
    pub gaps: Vec<(i64, u32)>,
}

/// Fills the open places of `rota.shifts`, earliest first, fairly and the same way
/// every time. Hard rules are never broken: a place no one may take stays open (and
/// raises a gap alert). Where the group has leads, a session's last open place goes
/// only to a lead unless a lead is on it already, so no session is fully staffed
/// without one. Fairness: the fewest shifts relative to one's monthly cap (served in
/// the trailing 12 weeks plus planned), then whoever served least recently, then the
/// pool's stable order (user id). Existing holders are never moved.
pub fn fill(rota: &Rota<'_>, served: &HashMap<String, Served>) -> FillPlan {
    let mut plan = FillPlan::default();
    let pool: BTreeMap<&str, &Facilitator> = rota.pool.iter().map(|f| (f.user_id.as_str(), f)).collect();
    let has_leads = rota.pool.iter().any(|f| f.lead);
    // Without a cap, a facilitator weighs as much as the largest cap in the pool (or
    // 1): their share is counted against the same yardstick.
    let yardstick = rota
        .pool
        .iter()
        .filter_map(|f| f.monthly_cap)
        .max()
        .unwrap_or(1)
        .max(1);
    let weight = |f: &Facilitator| u64::from(f.monthly_cap.unwrap_or(yardstick).max(1));
    let mut count: HashMap<&str, u64> = HashMap::new();
    let mut last: HashMap<&str, Option<DateTime<Utc>>> = HashMap::new();
    for f in rota.pool {
        let before = served.get(&f.user_id).cloned().unwrap_or_default();
        count.insert(&f.user_id, u64::from(before.count));
        last.insert(&f.user_id, before.last);
    }
    for shift in rota.shifts {
        for holder in &shift.holders {
            if let Some(c) = count.get_mut(holder.as_str()) {
                *c += 1;
            }
            if let Some(l) = last.get_mut(holder.as_str()) {
                *l = Some(l.map_or(shift.starts_at, |at| at.max(shift.starts_at)));
            }
        }
    }
    let mut months = month_counts(rota);
    let mut shifts: Vec<&Shift> = rota.shifts.iter().collect();
    shifts.sort_by_key(|s| (s.starts_at, s.session_id));
    for shift in shifts {
        let mut shift = shift.clone();
        while shift.open_places() > 0 {
            let lead_on = shift
                .holders
                .iter()
                .any(|h| pool.get(h.as_str()).is_some_and(|f| f.lead));
            let must_be_lead = has_leads && !lead_on && shift.open_places() == 1;
            let pick = pool
                .values()
                .filter(|f| !must_be_lead || f.lead)
                .filter(|f| hard_rules(f, &shift, rota.away, rota.zone, &months).is_ok())
                .min_by(|a, b| {
                    let shifts = |f: &Facilitator| count.get(f.user_id.as_str()).copied().unwrap_or(0);
                    let latest = |f: &Facilitator| last.get(f.user_id.as_str()).copied().flatten();
                    // shifts(a) / weight(a) < shifts(b) / weight(b), without division.
                    (shifts(a) * weight(b))
                        .cmp(&(shifts(b) * weight(a)))
                        .then_with(|| latest(a).cmp(&latest(b)))
                        .then_with(|| a.user_id.cmp(&b.user_id))
                });
            let Some(pick) = pick else {
                plan.gaps.push((shift.session_id, shift.open_places()));
                break;
            };
            let user = pick.user_id.as_str();
            if let Some(c) = count.get_mut(user) {
                *c += 1;
            }
            last.insert(user, Some(shift.starts_at));
            *months
                .entry((user.to_string(), month_of(shift.starts_at, rota.zone)))
                .or_default() += 1;
            shift.holders.push(user.to_string());
            plan.assign.push((shift.session_id, user.to_string()));
        }
    }
    plan
}

/// Every hard rule over a whole rota: the property the fill keeps. Returns the first
/// broken rule found, as a sentence for tests.
pub fn broken_rule(rota: &Rota<'_>) -> Option<String> {
    let has_leads = rota.pool.iter().any(|f| f.lead);
    let months = month_counts(rota);
    for shift in rota.shifts {
        let unique: HashSet<&String> = shift.holders.iter().collect();
        if unique.len() != shift.holders.len() {
            return Some(format!("someone twice on session {}", shift.session_id));
        }
        for holder in &shift.holders {
            if rota
                .away
                .iter()
                .any(|a| &a.user_id == holder && a.overlaps(shift.starts_at, shift.ends_at))
            {
                return Some(format!("{holder} on session {} while away", shift.session_id));
            }
        }
        let full = shift.open_places() == 0 && shift.needed > 0;
        let lead_on = shift
            .holders
            .iter()
            .any(|h| rota.pool.iter().any(|f| &f.user_id == h && f.lead));
        if has_leads && full && !lead_on {
            return Some(format!("session {} full without a lead", shift.session_id));
        }
    }
    for f in rota.pool {
        if let Some(cap) = f.monthly_cap {
            if let Some(((_, month), n)) = months.iter().find(|((u, _), n)| u == &f.user_id && **n > cap) {
                return Some(format!(
                    "{} has {n} shifts in {month:?}, over the cap {cap}",
                    f.user_id
                ));
            }
        }
    }
    None
}

/// Where an assignment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentState {
    Assigned,
    Confirmed,
    /// "Can't do it": the place is open again; the person is not put back on it.
    Declined,
    /// Offered to the pool; the person still holds it until someone takes it.
    SwapOffered,
}

impl AssignmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentState::Assigned => "assigned",
            AssignmentState::Confirmed => "confirmed",
            AssignmentState::Declined => "declined",
            AssignmentState::SwapOffered => "swap-offered",
        }
    }

    /// Whether the person holds the place.
    pub fn holds(self) -> bool {
        self != AssignmentState::Declined
    }
}

impl FromStr for AssignmentState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "assigned" => Ok(AssignmentState::Assigned),
            "confirmed" => Ok(AssignmentState::Confirmed),
            "declined" => Ok(AssignmentState::Declined),
            "swap-offered" => Ok(AssignmentState::SwapOffered),
            other => Err(format!("unknown assignment state {other:?}")),
        }
    }
}

/// How someone came to hold a shift. Manual ones are never moved by a fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Auto,
    Manual,
    Swap,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            How::Auto => "auto",
            How::Manual => "manual",
            How::Swap => "swap",
        }
    }
}

impl FromStr for How {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(How::Auto),
            "manual" => Ok(How::Manual),
            "swap" => Ok(How::Swap),
            other => Err(format!("unknown assignment kind {other:?}")),
        }
    }
}

/// Whether a take waits for a coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SwapApproval {
    #[default]
    None,
    Coordinator,
}

impl SwapApproval {
    pub fn as_str(self) -> &'static str {
        match self {
            SwapApproval::None => "none",
            SwapApproval::Coordinator => "coordinator",
        }
    }
}

impl FromStr for SwapApproval {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(SwapApproval::None),
            "coordinator" => Ok(SwapApproval::Coordinator),
            other => Err(format!(
                "\"{other}\" isn't a swap approval. Choose none (the first to take it has it) or coordinator."
            )),
        }
    }
}

/// A monthly cap as typed: a whole number of at least 1.
pub fn parse_cap(value: i64) -> Result<u32, String> {
    if value <= 0 {
        return Err(format!(
            "A monthly cap of {value} would leave no shifts at all. Give at least 1, like monthly_cap:4, \
             or leave it out for no cap."
        ));
    }
    u32::try_from(value).map_err(|_| "That monthly cap is too large; try a number like 4.".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn week(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 6, 18, 0, 0).unwrap() + Duration::weeks(n)
    }

    fn shifts(weeks: i64, needed: u32) -> Vec<Shift> {
        (0..weeks)
            .map(|n| Shift {
                session_id: n + 1,
                starts_at: week(n),
                ends_at: week(n) + Duration::minutes(90),
                needed,
                holders: Vec::new(),
                excluded: Vec::new(),
            })
            .collect()
    }

    fn pool(n: usize) -> Vec<Facilitator> {
        (0..n)
            .map(|i| Facilitator {
                user_id: format!("f{i}"),
                lead: false,
                monthly_cap: None,
            })
            .collect()
    }

    fn apply(shifts: &mut [Shift], plan: &FillPlan) {
        for (session, user) in &plan.assign {
            if let Some(s) = shifts.iter_mut().find(|s| s.session_id == *session) {
                s.holders.push(user.clone());
            }
        }
    }

    fn rota<'a>(
        pool: &'a [Facilitator],
        away: &'a [Away],
        shifts: &'a [Shift],
        before: &'a HashMap<(String, (i32, u32)), u32>,
    ) -> Rota<'a> {
        Rota {
            zone: chrono_tz::Europe::London,
            pool,
            away,
            shifts,
            month_before: before,
        }
    }

    #[test]
    fn a_holder_keeps_a_moved_session_unless_it_falls_in_their_time_away_or_past_their_cap() {
        let mut pool = pool(2);
        pool[1].monthly_cap = Some(1);
        let mut shifts = shifts(2, 1);
        shifts[0].holders = vec!["f0".into()];
        shifts[1].holders = vec!["f1".into()];
        let before = HashMap::new();
        assert!(may_keep(&rota(&pool, &[], &shifts, &before), 1, "f0"));
        assert!(may_keep(&rota(&pool, &[], &shifts, &before), 2, "f1"));

        let away = [Away {
            user_id: "f0".into(),
            from: week(0) - Duration::hours(1),
            to: week(0) + Duration::hours(1),
        }];
        assert!(!may_keep(&rota(&pool, &away, &shifts, &before), 1, "f0"));

        // f1 already served once this month: a second session in it is one too many.
        let served = HashMap::from([(
            ("f1".to_string(), month_of(week(1), chrono_tz::Europe::London)),
            1,
        )]);
        assert!(!may_keep(&rota(&pool, &[], &shifts, &served), 2, "f1"));
    }

    #[test]
    fn four_facilitators_take_turns_two_a_week() {
        let pool = pool(4);
        let mut shifts = shifts(4, 2);
        let before = HashMap::new();
        let plan = fill(&rota(&pool, &[], &shifts, &before), &HashMap::new());
        apply(&mut shifts, &plan);
        assert_eq!(shifts[0].holders, ["f0", "f1"]);
        assert_eq!(shifts[1].holders, ["f2", "f3"]);
        assert_eq!(shifts[2].holders, ["f0", "f1"]);
        assert!(plan.gaps.is_empty());
    }

    #[test]
    fn nobody_is_put_on_a_session_during_their_time_away() {
        let pool = pool(2);
        let away = [Away {
            user_id: "f0".into(),
            from: week(0) - Duration::days(1),
            to: week(2),
        }];
        let mut shifts = shifts(3, 1);
        let before = HashMap::new();
        let plan = fill(&rota(&pool, &away, &shifts, &before), &HashMap::new());
        apply(&mut shifts, &plan);
        assert_eq!(shifts[0].holders, ["f1"]);
        assert_eq!(shifts[1].holders, ["f1"]);
        assert_eq!(shifts[2].holders, ["f0"]);
    }

    #[test]
    fn the_last_place_goes_to_a_lead_and_stays_open_when_no_lead_is_free() {
        let mut pool = pool(3);
        pool[2].lead = true;
        let away = [Away {
            user_id: "f2".into(),
            from: week(1) - Duration::days(1),
            to: week(1) + Duration::days(1),
        }];
        let mut shifts = shifts(2, 2);
        let before = HashMap::new();
        let plan = fill(&rota(&pool, &away, &shifts, &before), &HashMap::new());
        apply(&mut shifts, &plan);
        assert!(shifts[0].holders.contains(&"f2".to_string()), "{:?}", shifts[0]);
        assert_eq!(shifts[1].holders.len(), 1, "{:?}", shifts[1]);
        assert_eq!(plan.gaps, [(2, 1)]);
    }

    #[test]
    fn a_cap_of_one_a_month_is_kept_and_the_share_is_relative_to_it() {
        let mut pool = pool(2);
        pool[0].monthly_cap = Some(1);
        pool[1].monthly_cap = Some(3);
        let mut shifts = shifts(4, 1); // four Tuesdays of January 2026
        let before = HashMap::new();
        let plan = fill(&rota(&pool, &[], &shifts, &before), &HashMap::new());
        apply(&mut shifts, &plan);
        let f0 = shifts.iter().filter(|s| s.holders == ["f0"]).count();
        let f1 = shifts.iter().filter(|s| s.holders == ["f1"]).count();
        assert_eq!((f0, f1), (1, 3));
    }

    #[test]
    fn a_decliner_is_not_put_back_on_the_session_they_declined() {
        let pool = pool(2);
        let mut shifts = shifts(1, 1);
        shifts[0].excluded = vec!["f0".into()];
        let before = HashMap::new();
        let plan = fill(&rota(&pool, &[], &shifts, &before), &HashMap::new());
        assert_eq!(plan.assign, [(1, "f1".to_string())]);
    }

    #[test]
    fn manual_assignment_checks_away_and_cap_with_a_reason() {
        let mut pool = pool(1);
        pool[0].monthly_cap = Some(1);
        let mut shifts = shifts(2, 2);
        shifts[0].holders = vec!["f0".into()];
        let before = HashMap::new();
        let r = rota(&pool, &[], &shifts, &before);
        assert_eq!(check_assign(&r, 2, "f0"), Err(Refusal::OverCap { cap: 1 }));
        assert_eq!(check_assign(&r, 1, "f0"), Err(Refusal::AlreadyOn));
        assert_eq!(check_assign(&r, 1, "nobody"), Err(Refusal::NotInPool));
    }

    #[test]
    fn a_cap_of_one_is_said_as_one_shift() {
        assert_eq!(
            Refusal::OverCap { cap: 1 }.to_string(),
            "already has a shift that month, their monthly cap"
        );
        assert_eq!(
            Refusal::OverCap { cap: 3 }.to_string(),
            "already has 3 shifts that month, their monthly cap"
        );
    }

    #[test]
    fn caps_of_zero_or_less_are_refused_kindly() {
        assert!(parse_cap(0).unwrap_err().contains("at least 1"));
        assert!(parse_cap(-2).is_err());
        assert_eq!(parse_cap(4), Ok(4));
    }

    fn arb_rota() -> impl Strategy<Value = (Vec<Facilitator>, Vec<Away>, u32)> {
        (1usize..8, 1u32..4).prop_flat_map(|(n, needed)| {
            let facilitators = proptest::collection::vec((any::<bool>(), proptest::option::of(1u32..5)), n)
                .prop_map(|specs| {
                    specs
                        .into_iter()
                        .enumerate()
                        .map(|(i, (lead, cap))| Facilitator {
                            user_id: format!("f{i}"),
                            lead,
                            monthly_cap: cap,
                        })
                        .collect::<Vec<_>>()
                });
            let away = proptest::collection::vec((0..n, 0i64..52, 1i64..30), 0..6).prop_map(|spans| {
                spans
                    .into_iter()
                    .map(|(i, start, days)| Away {
                        user_id: format!("f{i}"),
                        from: week(start) - Duration::days(1),
                        to: week(start) + Duration::days(days),
                    })
                    .collect::<Vec<_>>()
            });
            (facilitators, away, Just(needed))
        })
    }

    proptest! {
        #[test]
        fn a_fill_never_breaks_a_hard_rule_and_filling_again_changes_nothing(
            (pool, away, needed) in arb_rota()
        ) {
            let mut shifts = shifts(52, needed);
            let before = HashMap::new();
            let plan = fill(&rota(&pool, &away, &shifts, &before), &HashMap::new());
            apply(&mut shifts, &plan);
            let after = rota(&pool, &away, &shifts, &before);
            prop_assert_eq!(broken_rule(&after), None);
            let again = fill(&after, &HashMap::new());
            prop_assert!(again.assign.is_empty(), "{:?}", again.assign);
            prop_assert_eq!(again.gaps, plan.gaps);
        }

        #[test]
        fn with_equal_availability_and_no_caps_shares_differ_by_at_most_one(
            n in 1usize..9, needed in 1u32..4
        ) {
            let pool = pool(n);
            let mut shifts = shifts(52, needed.min(n as u32));
            let before = HashMap::new();
            let plan = fill(&rota(&pool, &[], &shifts, &before), &HashMap::new());
            apply(&mut shifts, &plan);
            let mut counts: HashMap<&str, usize> = pool.iter().map(|f| (f.user_id.as_str(), 0)).collect();
            for shift in &shifts {
                for holder in &shift.holders {
                    *counts.entry(holder.as_str()).or_default() += 1;
                }
            }
            let max = counts.values().max().copied().unwrap_or(0);
            let min = counts.values().min().copied().unwrap_or(0);
            prop_assert!(max - min <= 1, "{counts:?}");
            prop_assert!(plan.gaps.is_empty());
        }
    }
}
