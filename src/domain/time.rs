//! PLACEHOLDER until the full module lands: time zones, the DST policy, parsing.
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
pub use chrono_tz::Tz;

#[derive(Debug, thiserror::Error)]
#[error("I don't know the time zone \"{0}\". Time zones are IANA names such as Europe/London or America/New_York.")]
pub struct ZoneError(String);
#[derive(Debug, thiserror::Error)]
#[error("\"{0}\" isn't a date and time I can read. Write it like 2026-12-01 18:30.")]
pub struct WhenError(String);
#[derive(Debug, thiserror::Error)]
#[error("\"{0}\" isn't a length of time I can read. Write it like 90m or 1h30m.")]
pub struct DurationError(String);

pub fn resolve_local(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            let before = local - Duration::days(1);
            let offset = zone
                .from_local_datetime(&before)
                .earliest()
                .map(|t| t.naive_local() - t.naive_utc())
                .unwrap_or_default();
            (local - offset).and_utc()
        }
    }
}
pub fn parse_zone(input: &str) -> Result<Tz, ZoneError> {
    input
        .trim()
        .parse::<Tz>()
        .map_err(|_| ZoneError(input.to_string()))
}
pub fn suggest_zones(partial: &str, limit: usize) -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| z.name())
        .filter(|n| n.to_lowercase().starts_with(&partial.to_lowercase()))
        .take(limit)
        .collect()
}
pub fn parse_when(input: &str) -> Result<NaiveDateTime, WhenError> {
    let s = input.trim();
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t);
        }
    }
    Err(WhenError(input.to_string()))
}
pub fn parse_date(input: &str) -> Result<NaiveDate, WhenError> {
    NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d").map_err(|_| WhenError(input.to_string()))
}
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let s = input.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n.parse().map_err(|_| DurationError(input.to_string()))?;
    let d = match unit {
        "" | "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        "w" => Duration::weeks(n),
        _ => return Err(DurationError(input.to_string())),
    };
    if n <= 0 {
        return Err(DurationError(input.to_string()));
    }
    Ok(d)
}
pub fn format_local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%a %-d %b %Y %H:%M %Z")
        .to_string()
}
