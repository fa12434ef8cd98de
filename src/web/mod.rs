//! The web adapter (axum): `/health` for a service manager or load balancer,
//! `/metrics` for Prometheus, `/calendar/{token}.ics`, the feeds members
//! subscribe to, and `/c/{token}`, the public page of a community's listed groups. It calls `app` like the other adapters and writes no SQL.

pub mod metrics;
pub mod page;

use std::future::Future;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use crate::app::App;
use crate::domain::calendar::{etag_matches, REFRESH_HOURS};

/// Every route, on `app`.
pub fn router(app: App) -> Router {
    // Installed before the first request, so early counters are not lost.
    metrics::handle();
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics_text))
        .route("/calendar/{file}", get(calendar))
        .route("/c/{token}", get(public_page))
        .fallback(not_found)
        .with_state(app)
}

/// Serves `router` on `listener` until `stop` resolves, then lets requests in
/// flight finish.
pub async fn serve(
    listener: TcpListener,
    app: App,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "web side listening");
    }
    axum::serve(listener, router(app))
        .with_graceful_shutdown(stop)
        .await
}

fn count(route: &'static str) {
    ::metrics::counter!("hearth_http_requests_total", "route" => route).increment(1);
}

async fn health(State(app): State<App>) -> Response {
    count("health");
    let report = app.health().await;
    let up = |ok: bool| if ok { "up" } else { "down" };
    let body = serde_json::json!({
        "status": if report.healthy() { "ok" } else { "unavailable" },
        "database": up(report.database),
        "dispatcher": up(report.dispatcher),
        "gateway": up(report.gateway),
        "failing": report.failing(),
    });
    let status = if report.healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

async fn metrics_text(State(app): State<App>) -> Response {
    count("metrics");
    let report = app.health().await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        metrics::render(&app, report).await,
    )
        .into_response()
}

async fn calendar(State(app): State<App>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    count("calendar");
    let Some(token) = file.strip_suffix(".ics") else {
        return not_found().await;
    };
    let ics = match app.calendar_feed(token).await {
        Ok(Some(ics)) => ics,
        Ok(None) => return not_found().await,
        Err(error) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                error.to_string(),
            )
                .into_response()
        }
    };
    let cache = format!("public, max-age={}", REFRESH_HOURS * 3600);
    let Ok(etag) = HeaderValue::from_str(&ics.etag) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| etag_matches(&ics.etag, sent));
    if fresh {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (header::ETAG, etag),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_str(&cache).unwrap_or(HeaderValue::from_static("no-cache")),
            ),
        ],
        ics.body,
    )
        .into_response()
}

async fn public_page(State(app): State<App>, Path(token): Path<String>) -> Response {
    count("page");
    match app.public_page(&token).await {
        Ok(Some(page)) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            page::render(&page),
        )
            .into_response(),
        Ok(None) => not_found().await,
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            error.to_string(),
        )
            .into_response(),
    }
}

/// The same answer for a token never made, one reset, and a path that isn't ours:
/// nothing to tell a guesser apart.
async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Nothing here. If this was a calendar link, it may have been reset: ask for a new one with /calendar link.",
    )
        .into_response()
}
