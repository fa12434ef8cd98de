//! The public page of a community's listed groups, `/c/{token}`: what each group is,
//! when it meets next (in its own zone, with a `<time>` element machines can read),
//! how to join, and the community's support text. Plain server-rendered HTML, no
//! script, readable on a phone: landmarks, one `h1` and an `h2` per group, a skip
//! link, visible focus, and colours well above WCAG AA contrast.

use std::fmt::Write as _;

use crate::app::page::PublicPage;
use crate::domain::group::GroupKind;

/// `<`, `>`, `&`, `"` and `'` made safe for text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text on white at 15:1 and links at 8:1; focus outlined in the same dark blue.
const STYLE: &str =
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1a1a1a;background:#fff}\
header,main,footer{max-width:42rem;margin:0 auto;padding:1rem}\
header{border-bottom:2px solid #1a1a1a}\
a{color:#0b3d91}a:focus,a:hover{outline:3px solid #0b3d91;outline-offset:2px}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
article{border-bottom:1px solid #595959;padding:.5rem 0 1rem}\
dt{font-weight:600}dd{margin:0 0 .5rem 0}\
h1{font-size:1.75rem}h2{font-size:1.35rem;margin-bottom:.25rem}";

/// The whole page.
pub fn render(page: &PublicPage) -> String {
    let mut html = String::with_capacity(4096);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(html, "<title>{}</title>", escape(&page.title));
    let _ = writeln!(html, "<style>{STYLE}</style>\n</head>\n<body>");
    html.push_str("<a class=\"skip\" href=\"#groups\">Skip to the groups</a>\n");
    let _ = writeln!(
        html,
        "<header>\n<h1>{}</h1>\n<p>Peer-support groups anyone is welcome to join. Times are shown in each group's own time zone.</p>\n</header>",
        escape(&page.title)
    );
    html.push_str("<main id=\"groups\">\n");
    if page.groups.is_empty() {
        html.push_str("<p>No groups are listed here yet.</p>\n");
    }
    for group in &page.groups {
        let _ = writeln!(html, "<article aria-labelledby=\"group-{}\">", group.id);
        let _ = writeln!(html, "<h2 id=\"group-{}\">{}</h2>", group.id, escape(&group.name));
        let kind = match group.kind {
            GroupKind::Meeting => "A meeting",
            GroupKind::DropIn => "A drop-in: come any time it is open",
        };
        let _ = writeln!(html, "<p>{kind}.</p>");
        if let Some(description) = &group.description {
            let _ = writeln!(html, "<p>{}</p>", escape(description));
        }
        html.push_str("<dl>\n<dt>Next meeting</dt>\n<dd>");
        match &group.next {
            Some(next) => {
                let _ = write!(
                    html,
                    "<time datetime=\"{}\">{}</time>",
                    next.machine,
                    escape(&next.human)
                );
                if let Some(location) = &next.location {
                    let _ = write!(html, "<br>Where: {}", escape(location));
                }
            }
            None => html.push_str("Nothing is scheduled just now."),
        }
        html.push_str("</dd>\n<dt>How to join</dt>\n<dd>");
        html.push_str(&escape(&group.how_to_join));
        html.push_str("</dd>\n</dl>\n</article>\n");
    }
    html.push_str("</main>\n<footer>\n<h2>Support</h2>\n");
    for line in &page.support {
        let _ = writeln!(html, "<p>{}</p>", escape(line));
    }
    html.push_str("</footer>\n</body>\n</html>\n");
    html
}
