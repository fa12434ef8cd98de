//! PLACEHOLDER until the full module lands: meeting recurrence.
use super::time::{resolve_local, Tz};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    Once,
    Weekly,
    Fortnightly,
    MonthlyWeekday,
    MonthlyLastWeekday,
    MonthlyDate,
}
impl Repeat {
    pub const ALL: [Repeat; 6] = [
        Repeat::Once,
        Repeat::Weekly,
        Repeat::Fortnightly,
        Repeat::MonthlyWeekday,
        Repeat::MonthlyLastWeekday,
        Repeat::MonthlyDate,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            Repeat::Once => "once",
            Repeat::Weekly => "weekly",
            Repeat::Fortnightly => "fortnightly",
            Repeat::MonthlyWeekday => "monthly-weekday",
            Repeat::MonthlyLastWeekday => "monthly-last-weekday",
            Repeat::MonthlyDate => "monthly-date",
        }
    }
}
impl std::str::FromStr for Repeat {
    type Err = RecurrenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Repeat::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_lowercase())
            .ok_or(RecurrenceError("bad repeat".into()))
    }
}
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RecurrenceError(String);
pub fn parse_weekdays(input: &str) -> Result<Vec<Weekday>, RecurrenceError> {
    input
        .split(',')
        .map(|d| {
            d.trim()
                .parse::<Weekday>()
                .map_err(|_| RecurrenceError("bad day".into()))
        })
        .collect()
}
#[derive(Debug, Clone)]
pub enum End {
    Never,
    Until(NaiveDate),
    Count(u32),
}
#[derive(Debug, Clone)]
pub struct RecurrenceSpec {
    pub repeat: Repeat,
    pub days: Option<Vec<Weekday>>,
    pub every_weeks: Option<u32>,
    pub end: End,
    pub rrule: Option<String>,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Recurrence {
    start: NaiveDateTime,
    rule: String,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub local_date: NaiveDate,
    pub local_start: NaiveDateTime,
    pub starts_at: DateTime<Utc>,
}
impl Recurrence {
    pub fn build(
        start: NaiveDateTime,
        spec: &RecurrenceSpec,
    ) -> Result<Recurrence, RecurrenceError> {
        let day = match start.weekday() {
            Weekday::Mon => "MO",
            Weekday::Tue => "TU",
            Weekday::Wed => "WE",
            Weekday::Thu => "TH",
            Weekday::Fri => "FR",
            Weekday::Sat => "SA",
            Weekday::Sun => "SU",
        };
        let mut rule = match spec.repeat {
            Repeat::Once => "FREQ=DAILY;COUNT=1".to_string(),
            Repeat::Weekly => format!("FREQ=WEEKLY;BYDAY={day}"),
            Repeat::Fortnightly => format!("FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"),
            _ => format!("FREQ=MONTHLY;BYMONTHDAY={}", start.day()),
        };
        match spec.end {
            End::Never => {}
            End::Count(0) => return Err(RecurrenceError("count must be at least 1".into())),
            End::Count(n) => rule.push_str(&format!(";COUNT={n}")),
            End::Until(d) => {
                if d < start.date() {
                    return Err(RecurrenceError("until is before the start".into()));
                }
                rule.push_str(&format!(";UNTIL={}T235959Z", d.format("%Y%m%d")))
            }
        }
        Ok(Recurrence { start, rule })
    }
    pub fn from_stored(start: NaiveDateTime, rule: &str) -> Result<Recurrence, RecurrenceError> {
        Ok(Recurrence {
            start,
            rule: rule.to_string(),
        })
    }
    pub fn start(&self) -> NaiveDateTime {
        self.start
    }
    pub fn rule(&self) -> &str {
        &self.rule
    }
    pub fn describe(&self) -> String {
        format!("by the rule {}", self.rule)
    }
    pub fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    pub fn local_occurrences(&self, until_local: NaiveDateTime, max: usize) -> Vec<NaiveDateTime> {
        let text = format!(
            "DTSTART:{}Z\nRRULE:{}",
            self.start.format("%Y%m%dT%H%M%S"),
            self.rule
        );
        let Ok(set) = text.parse::<rrule::RRuleSet>() else {
            return Vec::new();
        };
        (&set)
            .into_iter()
            .map(|d| d.naive_utc())
            .take_while(|d| *d <= until_local)
            .take(max)
            .collect()
    }
    pub fn occurrences(
        &self,
        zone: Tz,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        max: usize,
    ) -> Vec<Occurrence> {
        let until = to.with_timezone(&zone).naive_local() + chrono::Duration::days(1);
        self.local_occurrences(until, max)
            .into_iter()
            .map(|l| Occurrence {
                local_date: l.date(),
                local_start: l,
                starts_at: resolve_local(zone, l),
            })
            .filter(|o| o.starts_at >= from && o.starts_at < to)
            .collect()
    }
}
