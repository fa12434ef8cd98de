//! Zone matching: reading the IANA zone names people type, suggesting the one they
//! meant, and offering zones for autocomplete.

use thiserror::Error;

use super::Tz;

/// Why a time zone name could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ZoneError {
    /// Nothing was typed.
    #[error("Please give a time zone. Time zones are IANA names such as Europe/London or America/New_York.")]
    Empty,
    /// An abbreviation the zone database keeps as a fixed offset that never changes
    /// for summer time (`EST`, `MST`): almost always meant as a place whose clocks do.
    #[error(
        "{input} is a fixed offset that never changes for summer time, so a meeting there \
         would be an hour out for half the year. Please give the place's own zone instead, \
         such as {place} — it follows the clock changes for you."
    )]
    FixedAbbreviation { input: String, place: &'static str },
    /// The name is not an IANA zone; `suggestion` is the closest one, if any is close.
    #[error("{}", unknown_zone_message(.input, *.suggestion))]
    Unknown {
        /// What was typed, trimmed.
        input: String,
        /// A zone name close enough to be worth offering.
        suggestion: Option<&'static str>,
    },
}

fn unknown_zone_message(input: &str, suggestion: Option<&str>) -> String {
    let hint = suggestion
        .map(|zone| format!(" Did you mean {zone}?"))
        .unwrap_or_default();
    format!(
        "I don't know the time zone \"{input}\".{hint} Time zones are IANA names such as Europe/London or America/New_York."
    )
}

/// Reads an IANA time zone name such as `Europe/London`, ignoring case and
/// surrounding spaces (and treating spaces and underscores alike, so
/// `america/new york` works).
///
/// Anything else is an error that, where one is close, suggests a zone: a misspelling
/// (`Europe/Londn`) or a bare city (`london`) both suggest `Europe/London`.
pub fn parse_zone(input: &str) -> Result<Tz, ZoneError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ZoneError::Empty);
    }
    let place = match trimmed.to_ascii_uppercase().as_str() {
        "EST" => Some("America/New_York (or America/Toronto)"),
        "MST" => Some("America/Denver (or America/Phoenix, where the clocks stay put)"),
        _ => None,
    };
    if let Some(place) = place {
        return Err(ZoneError::FixedAbbreviation {
            input: trimmed.to_ascii_uppercase(),
            place,
        });
    }
    if let Some(zone) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(trimmed))
    {
        return Ok(*zone);
    }
    // A second, looser exact match: spaces for underscores, as people type city names.
    let loose = squash(trimmed);
    let mut loose_matches = chrono_tz::TZ_VARIANTS
        .iter()
        .filter(|zone| squash(zone.name()) == loose);
    if let (Some(zone), None) = (loose_matches.next(), loose_matches.next()) {
        return Ok(*zone);
    }
    Err(ZoneError::Unknown {
        input: trimmed.to_owned(),
        suggestion: closest_zone(trimmed),
    })
}

/// Lower-case with underscores and spaces removed, so `New_York`, `new york` and
/// `NewYork` compare equal.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '_' && *c != ' ')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The part of a zone name after the last `/`: usually the city.
fn city(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The regions of the modern, canonical zone names. Legacy aliases (`GB`, `US/Eastern`,
/// `EST5EDT`) are still accepted, but when two names are equally good we offer the
/// canonical one.
const CANONICAL_REGIONS: [&str; 9] = [
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
];

fn is_canonical(name: &str) -> bool {
    CANONICAL_REGIONS.iter().any(|region| name.starts_with(region)) || name == "UTC"
}

/// How alike two squashed names must be for a suggestion to be worth making.
/// 0.75 lets one slip in a six-letter city through (`Londn`) but not a different city.
const SUGGESTION_THRESHOLD: f64 = 0.75;

/// Longer than any zone name by a wide margin; past this, nothing is close, and
/// comparing would only cost time.
const LONGEST_WORTH_COMPARING: usize = 64;

/// How alike two strings are, from 0 to 1: one minus the edit distance (counting a
/// swap of neighbours as one edit, the commonest typo) over the longer length.
fn similarity(a: &str, b: &str) -> f64 {
    let (len_a, len_b) = (a.chars().count(), b.chars().count());
    let longer = len_a.max(len_b);
    if longer == 0 {
        return 1.0;
    }
    // Zone names are short, so these counts convert to f64 exactly.
    let best_possible = 1.0 - len_a.abs_diff(len_b) as f64 / longer as f64;
    if best_possible < SUGGESTION_THRESHOLD {
        // The lengths alone rule it out; skip the costly comparison.
        return best_possible;
    }
    1.0 - strsim::osa_distance(a, b) as f64 / longer as f64
}

fn closest_zone(input: &str) -> Option<&'static str> {
    if input.len() > LONGEST_WORTH_COMPARING {
        return None;
    }
    let typed_full = squash(input);
    let typed_city = squash(city(input));
    let mut best: Option<(f64, bool, usize, &'static str)> = None;
    for zone in chrono_tz::TZ_VARIANTS.iter() {
        let name = zone.name();
        let full = similarity(&typed_full, &squash(name));
        let by_city = similarity(&typed_city, &squash(city(name)));
        let score = full.max(by_city);
        if score < SUGGESTION_THRESHOLD {
            continue;
        }
        let candidate = (score, is_canonical(name), name.len(), name);
        let better = match best {
            None => true,
            Some((best_score, best_canonical, best_len, _)) => {
                score > best_score
                    || (score == best_score
                        && (candidate.1, std::cmp::Reverse(candidate.2))
                            > (best_canonical, std::cmp::Reverse(best_len)))
            }
        };
        if better {
            best = Some(candidate);
        }
    }
    best.map(|(_, _, _, name)| name)
}

/// Zones offered when nothing has been typed yet: the places hearth's communities
/// most often meet in, west to east.
const COMMON_ZONES: [&str; 20] = [
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Stockholm",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
];

/// Zone names for autocomplete, best first, at most `limit` of them.
///
/// Case-insensitive, with spaces and underscores treated alike. First come names that
/// start with what was typed (`Europe/Lo` offers `Europe/London`), then names whose
/// city starts with it (`lon`), then names that contain it anywhere. Within each
/// group canonical names come before legacy aliases, then shorter before longer, so
/// the most likely completion is on top. Empty input offers common zones.
pub fn suggest_zones(partial: &str, limit: usize) -> Vec<&'static str> {
    let typed = squash(partial.trim());
    if typed.is_empty() {
        return COMMON_ZONES.iter().copied().take(limit).collect();
    }
    let mut ranked: Vec<(u8, bool, usize, &'static str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .filter_map(|zone| {
            let name = zone.name();
            let full = squash(name);
            let tier = if full.starts_with(&typed) {
                0
            } else if squash(city(name)).starts_with(&typed) {
                1
            } else if full.contains(&typed) {
                2
            } else {
                return None;
            };
            Some((tier, !is_canonical(name), name.len(), name))
        })
        .collect();
    ranked.sort_unstable();
    ranked
        .into_iter()
        .map(|(_, _, _, name)| name)
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_abbreviation_like_est_is_refused_with_the_place_to_use() {
        let refused = parse_zone("est").unwrap_err().to_string();
        assert!(refused.contains("never changes for summer time"), "{refused}");
        assert!(refused.contains("America/New_York"), "{refused}");
        assert!(parse_zone("America/New_York").is_ok());
        assert!(parse_zone("UTC").is_ok(), "UTC is meant as it is");
    }

    #[test]
    fn zone_names_are_matched_ignoring_case_and_spaces() {
        assert_eq!(parse_zone(" europe/london "), Ok(chrono_tz::Europe::London));
        assert_eq!(parse_zone("America/New York"), Ok(chrono_tz::America::New_York));
        assert_eq!(parse_zone("utc"), Ok(chrono_tz::UTC));
    }

    #[test]
    fn a_misspelt_zone_suggests_the_right_one() {
        let err = parse_zone("Europe/Londn").expect_err("misspelt");
        assert_eq!(
            err.to_string(),
            "I don't know the time zone \"Europe/Londn\". Did you mean Europe/London? \
             Time zones are IANA names such as Europe/London or America/New_York."
        );
    }

    #[test]
    fn a_bare_city_suggests_its_zone() {
        for input in ["london", "London", "Londn"] {
            let err = parse_zone(input).expect_err("a city is not a zone");
            assert!(
                matches!(
                    err,
                    ZoneError::Unknown {
                        suggestion: Some("Europe/London"),
                        ..
                    }
                ),
                "{input}: {err:?}"
            );
        }
        let err = parse_zone("new york").expect_err("a city is not a zone");
        assert!(matches!(
            err,
            ZoneError::Unknown {
                suggestion: Some("America/New_York"),
                ..
            }
        ));
    }

    #[test]
    fn a_zone_with_nothing_close_gets_no_suggestion() {
        let err = parse_zone("Narnia/Cair_Paravel").expect_err("fictional");
        assert_eq!(
            err.to_string(),
            "I don't know the time zone \"Narnia/Cair_Paravel\". \
             Time zones are IANA names such as Europe/London or America/New_York."
        );
    }

    #[test]
    fn an_empty_zone_asks_for_one() {
        assert_eq!(parse_zone("  "), Err(ZoneError::Empty));
    }

    #[test]
    fn autocomplete_puts_the_likely_zone_first() {
        assert_eq!(suggest_zones("Europe/Lo", 5).first(), Some(&"Europe/London"));
        assert_eq!(suggest_zones("lon", 5).first(), Some(&"Europe/London"));
        assert_eq!(suggest_zones("new y", 5).first(), Some(&"America/New_York"));
        assert_eq!(
            suggest_zones("america/new_", 5).first(),
            Some(&"America/New_York")
        );
    }

    #[test]
    fn autocomplete_offers_prefixes_then_cities_then_substrings() {
        let found = suggest_zones("syd", 25);
        assert_eq!(found.first(), Some(&"Australia/Sydney"));
        let found = suggest_zones("york", 25);
        assert!(found.contains(&"America/New_York"));
    }

    #[test]
    fn autocomplete_with_nothing_typed_offers_common_zones() {
        let found = suggest_zones("", 3);
        assert_eq!(found, vec!["Europe/London", "Europe/Dublin", "Europe/Lisbon"]);
        assert!(suggest_zones("", 0).is_empty());
    }
}
