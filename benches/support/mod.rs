//! What the benchmarks share: a seeded app on a SQLite file, and percentiles.

use std::path::Path;
use std::sync::Arc;

use hearth::app::{Actor, App, AppSettings};
use hearth::clock::Clock;
use hearth::domain::role::Role;
use hearth::store::{self, DbOptions};

/// The benchmarks' community.
pub const COMMUNITY: &str = "bench";

/// The value at fraction `p` of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// A coordinator of the benchmarks' community.
pub fn coordinator() -> Actor {
    Actor {
        community_id: COMMUNITY.into(),
        user_id: "c".into(),
        name: "c".into(),
        role: Role::Coordinator,
    }
}

/// An app on a SQLite file with one group, "Bench" (with `capacity` places), and one
/// session, #1, at `when` (London time).
pub async fn seeded_app(path: &Path, clock: Arc<dyn Clock>, capacity: Option<i64>, when: String) -> App {
    let pool = store::open(path, &DbOptions::default()).await.unwrap();
    store::migrate(&pool).await.unwrap();
    let app = App::new(pool, clock, AppSettings::default());
    let setup = hearth::app::setup::SetupInput {
        timezone: Some("Europe/London".into()),
        ..Default::default()
    };
    app.setup(&coordinator(), setup).await.unwrap();
    let group = hearth::app::groups::GroupCreate {
        name: "Bench".into(),
        channel: "1".into(),
        capacity,
        ..Default::default()
    };
    app.group_create(&coordinator(), group).await.unwrap();
    let meeting = hearth::app::meetings::MeetingAdd {
        group: "Bench".into(),
        when,
        ..Default::default()
    };
    app.meeting_add(&coordinator(), meeting).await.unwrap();
    app
}
