//! What every page shares: links (served or exported), the page shell, small pieces of markup.
//!
//! Every string from a log or the history is shown through [`shown`] (controls and bidi
//! overrides become visible escapes, `sanitize.rs`) and escaped by maud; user links are
//! rendered as links only when they are `http(s)`.

use crate::render::sanitize;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::borrow::Cow;
use std::time::Duration;

/// Bounds on what one request may ask (here, below the pages that check them).
#[derive(Debug, Clone)]
pub struct Bounds {
    /// Longest query string, bytes.
    pub max_query: usize,
    /// Longest filter value, bytes.
    pub max_text: usize,
    /// Default rows per page.
    pub per_page: u32,
    /// Most rows per page.
    pub max_per_page: u32,
    /// Highest page number.
    pub max_page: u32,
    /// Time one request may take.
    pub timeout: Duration,
    /// Live pages followed at once.
    pub max_streams: usize,
}

impl Bounds {
    /// The bounds of a served dashboard with this time limit.
    pub fn standard(timeout: Duration) -> Bounds {
        Bounds {
            max_query: 1024,
            max_text: 200,
            per_page: 50,
            max_per_page: 200,
            max_page: 100_000,
            timeout,
            max_streams: 256,
        }
    }
}

/// The stylesheet, embedded.
pub const STYLE: &str = include_str!("assets/style.css");
/// The script that enhances pages (sorting, live updates), embedded.
pub const SCRIPT: &str = include_str!("assets/app.js");

/// What a path segment keeps unescaped.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

/// How pages link to each other: served (`/bug/ID`) or exported as files (`bug/ID.html`, links
/// relative to the page so they work from `file://`).
#[derive(Debug, Clone)]
pub struct Ctx {
    /// `/` when served; `` or `../` in an export, by the page's depth.
    pub root: String,
    /// Exported as static files.
    pub export: bool,
    /// The change counter when the page was made (live pages compare it).
    pub counter: u64,
    /// Whether the page offers edits, and to whom.
    pub editing: Editing,
}

/// Whether a page offers edits (`serve --edit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Editing {
    /// A read-only server, or an export.
    Off,
    /// Edits are on; the visitor has not signed in.
    SignedOut,
    /// A signed-in editor: their name and the token their forms carry.
    SignedIn {
        /// The name the audit table records.
        who: String,
        /// The per-session form token (CSRF).
        form_token: String,
    },
}

impl Ctx {
    /// Links of a served page.
    pub fn served(counter: u64) -> Ctx {
        Ctx {
            root: "/".to_owned(),
            export: false,
            counter,
            editing: Editing::Off,
        }
    }

    /// Links of an exported page `depth` directories below the export's root.
    pub fn exported(depth: usize) -> Ctx {
        Ctx {
            root: "../".repeat(depth),
            export: true,
            counter: 0,
            editing: Editing::Off,
        }
    }

    fn page(&self, dir: &str, name: &str) -> String {
        if self.export {
            format!("{}{dir}/{}.html", self.root, slug(name))
        } else {
            format!("{}{dir}/{}", self.root, segment(name))
        }
    }

    /// The bug list.
    pub fn list(&self) -> String {
        if self.export {
            format!("{}index.html", self.root)
        } else {
            self.root.clone()
        }
    }

    /// A bug page.
    pub fn bug(&self, id: &str) -> String {
        self.page("bug", id)
    }

    /// A crash page.
    pub fn crash(&self, log: &str, position: u64) -> String {
        if self.export {
            format!("{}crash/{}-{position}.html", self.root, slug(log))
        } else {
            format!("{}crash/{}/{position}", self.root, segment(log))
        }
    }

    /// A crash's raw log lines as plain text.
    pub fn crash_text(&self, log: &str, position: u64) -> String {
        if self.export {
            format!("{}crash/{}-{position}.txt", self.root, slug(log))
        } else {
            format!("{}crash/{}/{position}/log.txt", self.root, segment(log))
        }
    }

    /// A run page.
    pub fn run(&self, key: &str) -> String {
        self.page("run", key)
    }

    /// A node page.
    pub fn node(&self, name: &str) -> String {
        self.page("node", name)
    }

    /// The runs page.
    pub fn runs(&self) -> String {
        self.top("runs")
    }

    /// The graphs page.
    pub fn graphs(&self) -> String {
        self.top("graphs")
    }

    fn top(&self, name: &str) -> String {
        if self.export {
            format!("{}{name}.html", self.root)
        } else {
            format!("{}{name}", self.root)
        }
    }

    /// An embedded asset.
    pub fn asset(&self, name: &str) -> String {
        format!("{}assets/{name}", self.root)
    }
}

/// A name as one URL path segment.
pub fn segment(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// A query string from pairs (values percent-encoded).
pub fn query(pairs: &[(&str, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        out.append_pair(key, value);
    }
    let text = out.finish();
    if text.is_empty() {
        text
    } else {
        format!("?{text}")
    }
}

/// A name as a file name of an export: kept when it is plain (letters, digits, `-`, `_`, `.`
/// not first), else made plain and told apart by a hash of the name.
pub fn slug(name: &str) -> String {
    let plain = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if plain {
        return name.to_owned();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let kept: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(40)
        .collect();
    format!("{kept}-{hash}")
}

/// Text from a log or the history as shown on a page: control characters and bidi overrides
/// as visible escapes (maud escapes the HTML).
pub fn shown(text: &str) -> Cow<'_, str> {
    sanitize::terminal(text)
}

/// A user's link, when it is one a page may follow: `http://` or `https://`, nothing that
/// could be read as another scheme, no spaces or controls.
pub fn safe_link(link: &str) -> Option<&str> {
    let lower = link.get(..8).unwrap_or(link).to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
    let clean = !link.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(sanitize::terminal(link), Cow::Borrowed(_));
    (scheme_ok && clean && link.len() <= 2048).then_some(link)
}

/// The navigation tabs of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The bug list and bug pages.
    Bugs,
    /// Runs.
    Runs,
    /// Graphs.
    Graphs,
    /// Anything else.
    Other,
}

/// A complete page: header with navigation, `main`, footer. Served pages load the stylesheet
/// and the script from `/assets/`; exported pages load the stylesheet relatively and no script.
pub fn page(ctx: &Ctx, title: &str, section: Section, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (shown(title)) " · legolog" }
                link rel="stylesheet" href=(ctx.asset("style.css"));
                @if !ctx.export {
                    script src=(ctx.asset("app.js")) defer {}
                }
            }
            body data-counter=(ctx.counter) data-live=(if ctx.export { "off" } else { "on" }) {
                header.top {
                    a.brand href=(ctx.list()) { "legolog" }
                    nav {
                        a href=(ctx.list()) class=[(section == Section::Bugs).then_some("here")] { "bugs" }
                        a href=(ctx.runs()) class=[(section == Section::Runs).then_some("here")] { "runs" }
                        a href=(ctx.graphs()) class=[(section == Section::Graphs).then_some("here")] { "graphs" }
                    }
                    @if !ctx.export {
                        span #live-status .live-status aria-live="polite" {}
                    }
                    @match &ctx.editing {
                        Editing::Off => {},
                        Editing::SignedOut => a.signin href={ (ctx.root) "login" } { "sign in to edit" },
                        Editing::SignedIn { who, form_token } => form.signout method="post" action={ (ctx.root) "logout" } {
                            span.dim { "editing as " (shown(who)) " " }
                            input type="hidden" name="csrf" value=(form_token);
                            button type="submit" { "sign out" }
                        },
                    }
                }
                main { (body) }
                footer {
                    "legolog " (env!("CARGO_PKG_VERSION"))
                    @if ctx.export { " · static export" } @else if ctx.editing == Editing::Off { " · read-only" } @else { " · edits on" }
                }
            }
        }
    }
}

/// The same page as one self-contained document (stylesheet inline, no script), for mail.
pub fn standalone(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                title { (shown(title)) " · legolog" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main { (body) }
                footer { "legolog " (env!("CARGO_PKG_VERSION")) }
            }
        }
    }
}

/// Labels as small tags, each linking to the list filtered by it (served pages).
pub fn labels(ctx: &Ctx, labels: &[String]) -> Markup {
    html! {
        @for label in labels {
            @if ctx.export {
                span.label { (shown(label)) }
            } @else {
                a.label href={ (ctx.list()) (query(&[("label", label.clone())])) } { (shown(label)) }
            }
            " "
        }
    }
}

/// A node name linking to its page.
pub fn node_link(ctx: &Ctx, node: Option<&str>) -> Markup {
    html! {
        @match node {
            Some(node) => a href=(ctx.node(node)) { (shown(node)) },
            None => span.dim { "-" },
        }
    }
}

/// A bug's title with the user's name first when it has one, and its link when safe.
pub fn bug_title(
    ctx: &Ctx,
    id: &str,
    title: &str,
    name: Option<&str>,
    link: Option<&str>,
) -> Markup {
    html! {
        a.bug-title href=(ctx.bug(id)) {
            @if let Some(name) = name { strong { (shown(name)) } " · " }
            (shown(title))
        }
        @if let Some(link) = link.and_then(safe_link) {
            " " a.ext href=(link) rel="noopener noreferrer nofollow" { "link" }
        }
    }
}

/// `«n» of «total»` page links for a paged table: `href(page)` makes each link.
pub fn pager(page: u32, per_page: u32, total: u64, href: impl Fn(u32) -> String) -> Markup {
    let pages = total.div_ceil(u64::from(per_page.max(1))).max(1) as u32;
    html! {
        @if pages > 1 {
            nav.pager {
                @if page > 0 { a rel="prev" href=(href(page - 1)) { "← newer" } " " }
                "page " (page + 1) " of " (pages)
                @if page + 1 < pages { " " a rel="next" href=(href(page + 1)) { "older →" } }
            }
        }
    }
}

/// A float shown with two decimals.
pub fn fraction(value: f64) -> String {
    format!("{value:.2}")
}
