//! `/metrics`: hearth's counters in Prometheus' text format. Counters and histograms
//! are recorded where things happen (the dispatcher's deliveries, Discord requests,
//! clicks) through the `metrics` facade; gauges (jobs by state, rota gaps, which
//! parts are up) are read when Prometheus scrapes.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::app::health::HealthReport;
use crate::app::App;
use crate::domain::job::JobState;

/// Lateness buckets, in seconds: on time to an hour late.
const LATENESS_BUCKETS: &[f64] = &[0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0];

/// The process' one recorder, installed on first use (a process has one `metrics`
/// recorder; tests running several servers share it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // Only an empty bucket list is refused, and this one is not.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("hearth_delivery_lateness_seconds".into()),
                LATENESS_BUCKETS,
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(error) = metrics::set_global_recorder(recorder) {
            tracing::warn!(%error, "metrics: another recorder is installed; hearth's counters go there");
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        "hearth_discord_requests_total",
        "Requests made to Discord's REST API, by answer status"
    );
    metrics::describe_counter!(
        "hearth_discord_rate_limited_total",
        "Answers of 429 (slow down) from Discord"
    );
    metrics::describe_counter!("hearth_clicks_total", "Button clicks received");
    metrics::describe_histogram!(
        "hearth_delivery_lateness_seconds",
        metrics::Unit::Seconds,
        "How long after it was due each post went out"
    );
    metrics::describe_gauge!("hearth_jobs", "Jobs in the outbox, by state");
    metrics::describe_gauge!(
        "hearth_rota_gaps",
        "Sessions within the horizon short of facilitators"
    );
    metrics::describe_gauge!(
        "hearth_up",
        "1 when the part (database, dispatcher, gateway) is up"
    );
    metrics::describe_counter!(
        "hearth_http_requests_total",
        "Requests served by hearth's web side, by route"
    );
}

/// The text Prometheus scrapes, with the gauges read now.
pub async fn render(app: &App, health: HealthReport) -> String {
    match app.gauges().await {
        Ok(gauges) => {
            for state in JobState::ALL {
                let n = gauges
                    .jobs
                    .iter()
                    .find(|(s, _)| *s == state)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("hearth_jobs", "state" => state.as_str()).set(n as f64);
            }
            metrics::gauge!("hearth_rota_gaps").set(gauges.rota_gaps as f64);
        }
        Err(error) => tracing::warn!(%error, "metrics: the counts could not be read"),
    }
    for (part, up) in [
        ("database", health.database),
        ("dispatcher", health.dispatcher),
        ("gateway", health.gateway),
    ] {
        metrics::gauge!("hearth_up", "part" => part).set(if up { 1.0 } else { 0.0 });
    }
    handle().render()
}
