//! The web side over real HTTP on 127.0.0.1: `/health` naming the part that is down,
//! `/metrics` as Prometheus text, and the calendar feeds read back by an independent
//! iCalendar parser (the `ical` crate), resolving each TZID against the VTIMEZONE in
//! the feed itself rather than against hearth's own zone tables.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use hearth::app::health::Part;
use hearth::app::{App, AppSettings};
use hearth::clock::ManualClock;
use hearth::startup::Application;

use crate::support::recording_chat::RecordingChat;
use crate::support::{coordinator, group_with_meeting, member, spawn_app, text};

/// Serves the web side of `app` on a free loopback port; returns its base URL.
pub(crate) async fn serve(app: App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("bound");
    tokio::spawn(hearth::web::serve(listener, app, std::future::pending()));
    format!("http://{address}")
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("the web side answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

#[tokio::test]
async fn health_turns_503_and_names_the_dispatcher_when_its_task_stops() {
    let pool = hearth::store::open_in_memory().await.expect("database");
    hearth::store::migrate(&pool).await.expect("migrations");
    let clock = Arc::new(ManualClock::new(crate::support::march_first()));
    let application = Application::on_pool(pool, clock, AppSettings::default(), 4)
        .await
        .expect("hearth builds");
    let app = application.app().clone();
    let (chat, _deliveries) = RecordingChat::new(app.clock());
    let engine = application.engine(chat);
    // As `run_until_stopped` does: the dispatcher's task holds its mark while it lives.
    let running = app.health_flags().running(Part::Dispatcher);
    let dispatcher = tokio::spawn(async move {
        let _running = running;
        engine.run(std::future::pending()).await
    });
    app.health_flags().set(Part::Gateway, true);
    let base = serve(app.clone()).await;

    let (status, body) = get(&format!("{base}/health")).await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(json["status"], "ok");
    assert_eq!(json["dispatcher"], "up");

    dispatcher.abort();
    assert!(dispatcher.await.expect_err("aborted").is_cancelled());

    let (status, body) = get(&format!("{base}/health")).await;
    assert_eq!(status, 503, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(json["status"], "unavailable");
    assert_eq!(json["dispatcher"], "down");
    assert_eq!(json["database"], "up");
    assert_eq!(json["failing"], serde_json::json!(["dispatcher"]));
}

#[tokio::test]
async fn health_names_the_gateway_and_the_database_when_they_are_down() {
    let t = spawn_app(crate::support::march_first()).await;
    let _dispatcher = t.app.health_flags().running(Part::Dispatcher);
    let base = serve(t.app.clone()).await;

    let (status, body) = get(&format!("{base}/health")).await;
    assert_eq!(status, 503);
    assert!(body.contains(r#""failing":["gateway"]"#), "{body}");

    t.app.health_flags().set(Part::Gateway, true);
    t.pool.close().await;
    let (status, body) = get(&format!("{base}/health")).await;
    assert_eq!(status, 503);
    assert!(body.contains(r#""failing":["database"]"#), "{body}");
}

#[tokio::test]
async fn serve_runs_the_web_side_with_the_other_parts_and_stops_it_with_them() {
    let pool = hearth::store::open_in_memory().await.expect("database");
    hearth::store::migrate(&pool).await.expect("migrations");
    let clock = Arc::new(ManualClock::new(crate::support::march_first()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let application = Application::on_pool(pool, clock, AppSettings::default(), 4)
        .await
        .expect("hearth builds")
        .with_web(listener);
    let app = application.app().clone();
    let (chat, _deliveries) = RecordingChat::new(app.clock());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(application.run_until_stopped(
        chat,
        |stopping: hearth::startup::Stopping| async move {
            stopping.wait().await;
            Ok::<(), std::io::Error>(())
        },
        async {
            let _ = stopped.await;
        },
    ));
    app.health_flags().set(Part::Gateway, true);

    let (status, body) = get(&format!("{base}/health")).await;
    assert_eq!(status, 200, "{body}");

    stop.send(()).expect("still running");
    let ended = running.await.expect("no panic");
    assert!(ended.is_ok(), "{ended:?}");
    assert!(
        reqwest::get(format!("{base}/health")).await.is_err(),
        "the port is closed"
    );
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_jobs_by_state_and_the_parts() {
    let t = spawn_app(crate::support::march_first()).await;
    group_with_meeting(
        &t.app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-05 18:30",
        "weekly",
    )
    .await;
    let base = serve(t.app.clone()).await;

    let (status, body) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200);

    // Every line is a comment or `name{labels} value`, as the format requires.
    for line in body.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        assert!(value.parse::<f64>().is_ok() || value == "+Inf", "{line}");
        let name = series.split('{').next().unwrap_or_default();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
    }
    let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("parses");
    let sample = |metric: &str, label: (&str, &str)| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == metric && s.labels.get(label.0) == Some(label.1))
            .map(|s| s.value.clone())
    };
    match sample("hearth_jobs", ("state", "pending")) {
        Some(prometheus_parse::Value::Gauge(n)) => assert!(n > 0.0, "cards and reminders are queued"),
        other => panic!("no pending jobs gauge: {other:?}\n{body}"),
    }
    assert_eq!(
        sample("hearth_up", ("part", "database")),
        Some(prometheus_parse::Value::Gauge(1.0))
    );
    assert_eq!(
        sample("hearth_up", ("part", "gateway")),
        Some(prometheus_parse::Value::Gauge(0.0))
    );
    assert!(scrape.docs.contains_key("hearth_jobs"), "described");
}

/// An event's properties by name, and the DTSTART/DTEND TZID.
struct Event {
    props: HashMap<String, (String, Option<String>)>,
}

impl Event {
    fn get(&self, name: &str) -> &str {
        self.props.get(name).map(|(v, _)| v.as_str()).unwrap_or_default()
    }
}

/// One VTIMEZONE observance: when it starts (UTC) and the offset from then on.
struct Observance {
    onset: DateTime<Utc>,
    offset: i64,
}

fn parse_offset(text: &str) -> i64 {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let digits = &text[1..];
    let hours: i64 = digits[0..2].parse().expect("hours");
    let minutes: i64 = digits[2..4].parse().expect("minutes");
    sign * (hours * 3600 + minutes * 60)
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").expect("a local date-time")
}

struct Feed {
    events: Vec<Event>,
    zones: HashMap<String, Vec<Observance>>,
}

impl Feed {
    fn parse(body: &str) -> Feed {
        let mut calendars = ical::IcalParser::new(std::io::BufReader::new(body.as_bytes()));
        let calendar = calendars.next().expect("one calendar").expect("it parses");
        let mut zones = HashMap::new();
        for zone in &calendar.timezones {
            let id = zone
                .properties
                .iter()
                .find(|p| p.name == "TZID")
                .and_then(|p| p.value.clone())
                .expect("TZID");
            let mut observances: Vec<Observance> = zone
                .transitions
                .iter()
                .map(|t| {
                    let value = |name: &str| {
                        t.properties
                            .iter()
                            .find(|p| p.name == name)
                            .and_then(|p| p.value.clone())
                            .unwrap_or_else(|| panic!("{name} in an observance"))
                    };
                    let from = parse_offset(&value("TZOFFSETFROM"));
                    let start = local(&value("DTSTART"));
                    Observance {
                        onset: Utc.from_utc_datetime(&(start - Duration::seconds(from))),
                        offset: parse_offset(&value("TZOFFSETTO")),
                    }
                })
                .collect();
            observances.sort_by_key(|o| o.onset);
            zones.insert(id, observances);
        }
        let events = calendar
            .events
            .iter()
            .map(|event| Event {
                props: event
                    .properties
                    .iter()
                    .map(|p| {
                        let tzid = p
                            .params
                            .iter()
                            .flatten()
                            .find(|(k, _)| k == "TZID")
                            .and_then(|(_, v)| v.first().cloned());
                        (p.name.clone(), (p.value.clone().unwrap_or_default(), tzid))
                    })
                    .collect(),
            })
            .collect();
        Feed { events, zones }
    }

    /// The instant of an event's DTSTART, by the feed's own VTIMEZONE.
    fn start(&self, event: &Event) -> (NaiveDateTime, DateTime<Utc>) {
        let (value, tzid) = &event.props["DTSTART"];
        let tzid = tzid.as_ref().expect("DTSTART has a TZID");
        let observances = &self.zones[tzid];
        let wall = local(value);
        for (i, observance) in observances.iter().enumerate() {
            let at = Utc.from_utc_datetime(&(wall - Duration::seconds(observance.offset)));
            let next = observances.get(i + 1).map(|o| o.onset);
            if at >= observance.onset && next.is_none_or(|n| at < n) {
                return (wall, at);
            }
        }
        panic!("{value} is outside the feed's VTIMEZONE for {tzid}");
    }
}

/// On 20 March 2026, "Circle" in London meeting weekly on Thursdays at 18:30 from
/// 26 March: across the spring change of 29 March.
pub(crate) async fn london_weekly_circle() -> crate::support::TestApp {
    let t = spawn_app(Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap()).await;
    add_circle(&t.app).await;
    t
}

/// "Circle" in London, weekly on Thursdays at 18:30 from 26 March 2026.
async fn add_circle(app: &App) {
    group_with_meeting(
        app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-26 18:30",
        "weekly",
    )
    .await;
}

fn token_of(reply_text: &str) -> String {
    let start = reply_text.find("/calendar/").expect("a link") + "/calendar/".len();
    reply_text[start..start + 64].to_string()
}

#[tokio::test]
async fn a_london_weekly_1830_reads_1830_local_on_both_sides_of_the_spring_change() {
    let t = london_weekly_circle().await;
    let link = t
        .app
        .calendar_link(&member(), Some("Circle"))
        .await
        .expect("a link");
    let token = token_of(&text(&link));
    let base = serve(t.app.clone()).await;

    let response = reqwest::get(format!("{base}/calendar/{token}.ics"))
        .await
        .expect("answers");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let feed = Feed::parse(&response.text().await.expect("body"));

    let starts: Vec<_> = feed.events.iter().map(|e| feed.start(e)).collect();
    let before = starts
        .iter()
        .find(|(wall, _)| wall.date().to_string() == "2026-03-26")
        .expect("26 March");
    let after = starts
        .iter()
        .find(|(wall, _)| wall.date().to_string() == "2026-04-02")
        .expect("2 April");
    assert_eq!(before.0.time().to_string(), "18:30:00");
    assert_eq!(after.0.time().to_string(), "18:30:00");
    // The feed's own VTIMEZONE puts them at GMT then BST.
    assert_eq!(before.1, Utc.with_ymd_and_hms(2026, 3, 26, 18, 30, 0).unwrap());
    assert_eq!(after.1, Utc.with_ymd_and_hms(2026, 4, 2, 17, 30, 0).unwrap());
    assert!(feed.events.iter().all(|e| e.get("SUMMARY") == "Circle"));
}

#[tokio::test]
async fn a_moved_session_keeps_its_uid_with_a_higher_sequence_and_a_cancelled_one_is_cancelled() {
    let t = london_weekly_circle().await;
    let link = t.app.calendar_link(&coordinator(), None).await.expect("a link");
    let url = format!(
        "{}/calendar/{}.ics",
        serve(t.app.clone()).await,
        token_of(&text(&link))
    );
    let sessions = t.sessions().await;
    let (moved, cancelled) = (sessions[1].0, sessions[2].0);
    let (_, body) = get(&url).await;
    let first = Feed::parse(&body);
    let uid_of = |feed: &Feed, id: i64| {
        feed.events
            .iter()
            .find(|e| e.get("UID").starts_with(&format!("session-{id}.")))
            .map(|e| {
                (
                    e.get("UID").to_string(),
                    e.get("SEQUENCE").parse::<u32>().expect("a number"),
                )
            })
            .expect("the session is in the feed")
    };
    let (uid, sequence) = uid_of(&first, moved);

    t.app
        .meeting_move(
            &coordinator(),
            hearth::app::input::session(&moved.to_string()).unwrap(),
            hearth::app::input::when("2026-04-03 19:00").unwrap(),
        )
        .await
        .expect("moved");
    t.app
        .meeting_cancel(
            &coordinator(),
            hearth::app::input::session(&cancelled.to_string()).unwrap(),
            Some("The hall is closed".into()),
        )
        .await
        .expect("cancelled");

    let (_, body) = get(&url).await;
    let second = Feed::parse(&body);
    let (uid_after, sequence_after) = uid_of(&second, moved);
    assert_eq!(uid_after, uid);
    assert!(sequence_after > sequence, "{sequence} then {sequence_after}");
    let moved_event = second.events.iter().find(|e| e.get("UID") == uid).unwrap();
    assert_eq!(second.start(moved_event).0.to_string(), "2026-04-03 19:00:00");
    let cancelled_event = second
        .events
        .iter()
        .find(|e| e.get("UID").starts_with(&format!("session-{cancelled}.")))
        .expect("a cancelled session stays in the feed");
    assert_eq!(cancelled_event.get("STATUS"), "CANCELLED");
    assert!(cancelled_event.get("DESCRIPTION").contains("The hall is closed"));
    assert_eq!(second.events.len(), first.events.len());
}

#[tokio::test]
async fn a_feed_answers_304_to_its_etag_and_a_reset_link_stops_working() {
    let t = london_weekly_circle().await;
    let base = serve(t.app.clone()).await;
    let old = token_of(&text(&t.app.calendar_link(&member(), None).await.expect("link")));
    let again = token_of(&text(&t.app.calendar_link(&member(), None).await.expect("link")));
    assert_eq!(old, again, "asking twice gives the same link");
    let url = format!("{base}/calendar/{old}.ics");

    let first = reqwest::get(&url).await.expect("answers");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let cached = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("answers");
    assert_eq!(cached.status().as_u16(), 304);

    let refused = t
        .app
        .calendar_reset(&member(), None)
        .await
        .expect_err("members can't reset");
    assert!(refused.to_string().contains("coordinator"), "{refused}");
    let reset = t.app.calendar_reset(&coordinator(), None).await.expect("reset");
    let new = token_of(&text(&reset));
    assert_ne!(new, old);
    assert_eq!(get(&url).await.0, 404, "the old link is revoked");
    assert_eq!(get(&format!("{base}/calendar/{new}.ics")).await.0, 200);
    assert_eq!(get(&format!("{base}/calendar/not-a-token.ics")).await.0, 404);
}

pub(crate) async fn list(t: &crate::support::TestApp, group: &str, listed: bool) {
    t.app
        .group_edit(
            &coordinator(),
            hearth::app::groups::GroupEdit {
                group: group.into(),
                listed: Some(listed),
                ..Default::default()
            },
        )
        .await
        .expect("listed");
}

pub(crate) fn page_token(reply_text: &str) -> String {
    let start = reply_text.find("/c/").expect("a page link") + "/c/".len();
    reply_text[start..start + 64].to_string()
}

#[tokio::test]
async fn the_public_page_shows_listed_groups_with_their_next_time_and_never_an_unlisted_one() {
    let t = london_weekly_circle().await;
    t.app
        .group_create(
            &coordinator(),
            hearth::app::groups::GroupCreate {
                name: "Quiet Room <b>".into(),
                channel: "#quiet".into(),
                description: Some("Men's group & friends".into()),
                ..Default::default()
            },
        )
        .await
        .expect("second group");
    t.app
        .group_create(
            &coordinator(),
            hearth::app::groups::GroupCreate {
                name: "Hidden Circle".into(),
                channel: "#hidden".into(),
                ..Default::default()
            },
        )
        .await
        .expect("unlisted group");
    list(&t, "Circle", true).await;
    list(&t, "Quiet Room <b>", true).await;
    let refused = t
        .app
        .calendar_page(&member(), false)
        .await
        .expect_err("coordinators only");
    assert!(refused.to_string().contains("coordinator"), "{refused}");
    let token = page_token(&text(
        &t.app.calendar_page(&coordinator(), false).await.expect("link"),
    ));
    let base = serve(t.app.clone()).await;

    let response = reqwest::get(format!("{base}/c/{token}")).await.expect("answers");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = response.text().await.expect("body");

    for landmark in [
        "<html lang=\"en\">",
        "<header>",
        "<main id=\"groups\">",
        "<footer>",
        "<h1>",
        "name=\"viewport\"",
    ] {
        assert!(html.contains(landmark), "{landmark} in {html}");
    }
    assert!(!html.contains("<script"), "works without JavaScript");
    assert!(html.contains("<h2 id=\"group-1\">Circle</h2>"), "{html}");
    assert!(
        html.contains("<time datetime=\"2026-03-26T18:30:00+00:00\">Thursday 26 March 2026, 18:30–20:00 GMT (Europe/London)</time>"),
        "{html}"
    );
    assert!(html.contains("Quiet Room &lt;b&gt;"), "names are escaped: {html}");
    assert!(html.contains("Men&#39;s group &amp; friends"), "{html}");
    assert!(html.contains("Nothing is scheduled just now."), "{html}");
    assert!(html.contains("not a crisis service"), "the support text: {html}");
    assert!(!html.contains("Hidden Circle"), "an unlisted group never appears");

    list(&t, "Circle", false).await;
    let (_, html) = get(&format!("{base}/c/{token}")).await;
    assert!(!html.contains(">Circle<"), "unlisted again: {html}");

    let reset = page_token(&text(
        &t.app.calendar_page(&coordinator(), true).await.expect("reset"),
    ));
    assert_ne!(reset, token);
    assert_eq!(
        get(&format!("{base}/c/{token}")).await.0,
        404,
        "the old page link is revoked"
    );
    assert_eq!(get(&format!("{base}/c/{reset}")).await.0, 200);
    let calendar = token_of(&text(&t.app.calendar_link(&member(), None).await.expect("feed")));
    assert_eq!(
        get(&format!("{base}/c/{calendar}")).await.0,
        404,
        "a calendar token opens no page"
    );
    assert_eq!(
        get(&format!("{base}/calendar/{reset}.ics")).await.0,
        404,
        "a page token opens no calendar"
    );
}

#[tokio::test]
async fn hearth_calendar_export_writes_the_feed_without_the_server() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = dir.path().join("hearth.db");
    let app = crate::support::app_on_file(&db, ManualClock::new(crate::support::march_first())).await;
    add_circle(&app).await;
    app.pool().close().await;

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "calendar",
            "export",
            "--community",
            crate::support::COMMUNITY,
            "--group",
            "circle",
            "--db",
        ])
        .arg(crate::support::db_argument(&db))
        .output()
        .expect("runs");
    let body = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let feed = Feed::parse(&body);
    assert!(!feed.events.is_empty(), "{body}");
    for event in &feed.events {
        assert_eq!(feed.start(event).0.time().to_string(), "18:30:00");
        assert_eq!(event.get("SUMMARY"), "Circle");
    }

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["calendar", "export", "--community", "nobody", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("There is no community \"nobody\""),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
