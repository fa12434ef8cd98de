//! The public page in a real headless Chromium (Debian's `chromium`): it loads, shows
//! each listed group with its next time, passes a basic accessibility check on the
//! DOM the browser built, and a phone-sized screenshot is kept as a test artifact
//! (`target/web-artifacts/public-page.png`). `.ci/run` installs Chromium and sets
//! `HEARTH_REQUIRE_CHROMIUM=1`, so there the test cannot be skipped; on a machine
//! without Chromium it says so and passes without running.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{coordinator, text};

/// `HEARTH_CHROMIUM`, else the first of Debian's and others' names on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("HEARTH_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn headless(browser: &PathBuf, profile: &std::path::Path) -> Command {
    let mut command = Command::new(browser);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

/// WCAG relative luminance of `#rgb` or `#rrggbb`.
fn luminance(hex: &str) -> f64 {
    let hex = hex.trim_start_matches('#');
    let full: String = if hex.len() == 3 {
        hex.chars().flat_map(|c| [c, c]).collect()
    } else {
        hex.to_string()
    };
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&full[i..i + 2], 16).expect("a hex colour")) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The first `property:#colour` in a CSS rule for `selector`.
fn colour(css: &str, selector: &str, property: &str) -> String {
    let rule = css
        .split('}')
        .find(|rule| {
            rule.split('{')
                .next()
                .is_some_and(|s| s.split(',').any(|s| s.trim() == selector))
        })
        .unwrap_or_else(|| panic!("a rule for {selector} in {css}"));
    let value = rule
        .split(['{', ';'])
        .find_map(|decl| decl.trim().strip_prefix(&format!("{property}:")))
        .unwrap_or_else(|| panic!("{property} for {selector}"));
    value.trim().to_string()
}

#[tokio::test]
async fn the_public_page_loads_in_chromium_shows_its_listed_groups_and_passes_a_basic_accessibility_check() {
    let Some(browser) = chromium() else {
        if std::env::var_os("HEARTH_REQUIRE_CHROMIUM").is_some() {
            panic!("HEARTH_REQUIRE_CHROMIUM is set but no chromium was found: install Debian's chromium");
        }
        eprintln!("skipped: no chromium binary found (set HEARTH_CHROMIUM, or apt-get install chromium)");
        return;
    };
    let t = crate::web::london_weekly_circle().await;
    for (name, listed) in [("Circle", true), ("Hidden Circle", false)] {
        if name != "Circle" {
            t.app
                .group_create(
                    &coordinator(),
                    hearth::app::groups::GroupCreate {
                        name: name.into(),
                        channel: "#hidden".into(),
                        ..Default::default()
                    },
                )
                .await
                .expect("group");
        }
        crate::web::list(&t, name, listed).await;
    }
    let token = crate::web::page_token(&text(
        &t.app.calendar_page(&coordinator(), false).await.expect("link"),
    ));
    let url = format!("{}/c/{token}", crate::web::serve(t.app.clone()).await);
    let profile = tempfile::tempdir().expect("a profile folder");

    let dump = {
        let mut command = headless(&browser, profile.path());
        command.arg("--dump-dom").arg(&url);
        tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("joined")
            .expect("chromium runs")
    };
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let dom = String::from_utf8_lossy(&dump.stdout).into_owned();

    // It loaded, and shows the listed group with its next time; never the unlisted one.
    assert!(dom.contains("<h2 id=\"group-1\">Circle</h2>"), "{dom}");
    assert!(
        dom.contains("<time datetime=\"2026-03-26T18:30:00+00:00\">"),
        "{dom}"
    );
    assert!(!dom.contains("Hidden Circle"), "{dom}");
    // A basic accessibility check of what the browser built.
    assert!(dom.contains("<html lang=\"en\">"), "a page language");
    assert_eq!(dom.matches("<h1").count(), 1, "one main heading");
    assert!(
        dom.find("<h1").unwrap() < dom.find("<h2").unwrap(),
        "headings in order"
    );
    for landmark in ["<header", "<main", "<footer"] {
        assert!(dom.contains(landmark), "landmark {landmark}");
    }
    assert!(!dom.contains("<img"), "no image that would need alt text");
    assert!(dom.contains("<title>"), "a title");
    assert!(
        dom.contains("href=\"#groups\">Skip to the groups</a>"),
        "a skip link with text"
    );
    let css = dom
        .split("<style>")
        .nth(1)
        .and_then(|s| s.split("</style>").next())
        .expect("styles");
    let text_on_page = contrast(&colour(css, "body", "color"), &colour(css, "body", "background"));
    let links = contrast(&colour(css, "a", "color"), &colour(css, "body", "background"));
    assert!(
        text_on_page >= 4.5 && links >= 4.5,
        "WCAG AA contrast: text {text_on_page:.1}, links {links:.1}"
    );

    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("web-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifact folder");
    let screenshot = artifacts.join("public-page.png");
    let _ = std::fs::remove_file(&screenshot);
    let shot = {
        let mut command = headless(&browser, profile.path());
        command
            .arg(format!("--screenshot={}", screenshot.display()))
            .arg("--window-size=412,915")
            .arg(&url);
        tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("joined")
            .expect("chromium runs")
    };
    assert!(shot.status.success(), "{}", String::from_utf8_lossy(&shot.stderr));
    let png = std::fs::read(&screenshot).expect("a screenshot was written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 2000,
        "a real PNG: {} bytes",
        png.len()
    );
}
