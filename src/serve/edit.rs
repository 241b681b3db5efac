//! Edits from the pages, only with `serve --edit` (docs/serve.md, "Edits").
//!
//! * An editor signs in once with the server's token (printed at start, or from
//!   `--edit-token-file` or `LEGOLOG_EDIT_TOKEN`) and the name the audit table will give them;
//!   the server answers with a session cookie (`HttpOnly`, `SameSite=Strict`).
//! * Every edit is a form POST that must come from this server's own pages: the browser's
//!   `Origin` (or `Sec-Fetch-Site: same-origin`) must say so, and the form must carry the
//!   per-session token the page was made with (a keyed hash of the session, compared in
//!   constant time).
//! * Edits run on one writable connection of their own ([`Editor::db`]), through the same
//!   history calls as the CLI's `bug` commands, so each one lands in the same audit table.
//!   Pages are still read through the read-only connections.

use super::db::{self, Db};
use super::Opener;
use crate::history::History;
use axum::http::{header, HeaderMap};
use std::collections::HashMap;
use std::sync::Mutex;

/// The session cookie's name.
pub const COOKIE: &str = "legolog_edit";
/// Sessions kept at once (the oldest goes first).
const MAX_SESSIONS: usize = 1000;
/// The longest value a form field may carry.
pub const MAX_FIELD: usize = 500;

/// What `--edit` brings: the token and how to open the history for writing.
#[derive(Clone)]
pub struct EditAccess {
    /// The token that signs an editor in.
    pub token: String,
    /// The token was made at start (so it is printed).
    pub made: bool,
    /// Opens the history for writing (with its upgrades, as the CLI does).
    pub open: Opener,
}

impl std::fmt::Debug for EditAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EditAccess")
            .field("token", &"…")
            .field("made", &self.made)
            .finish()
    }
}

/// A signed-in editor.
#[derive(Debug, Clone)]
pub struct Session {
    id: String,
    /// The name the audit table records.
    pub who: String,
}

/// The edit side of a server started with `--edit`.
pub struct Editor {
    token: blake3::Hash,
    key: [u8; 32],
    sessions: Mutex<(HashMap<String, String>, std::collections::VecDeque<String>)>,
    db: Db,
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> anyhow::Result<String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no random bytes: {err}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Editor {
    /// Opens the writable connection (failing as the CLI would: a history that cannot be
    /// written, a server that refuses).
    pub fn start(access: &EditAccess) -> anyhow::Result<Editor> {
        let db = db::pool(1, access.open.clone())?;
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|err| anyhow::anyhow!("no random bytes: {err}"))?;
        Ok(Editor {
            token: blake3::hash(access.token.as_bytes()),
            key,
            sessions: Mutex::default(),
            db,
        })
    }

    /// The writable connection.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Whether `given` is the token (`blake3::Hash` compares in constant time).
    pub fn token_matches(&self, given: &str) -> bool {
        blake3::hash(given.as_bytes()) == self.token
    }

    /// A new session for `who`; its id goes in the cookie.
    pub fn sign_in(&self, who: &str) -> anyhow::Result<String> {
        let id = random_hex(32)?;
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let (by_id, order) = &mut *sessions;
        while by_id.len() >= MAX_SESSIONS {
            match order.pop_front() {
                Some(old) => {
                    by_id.remove(&old);
                }
                None => break,
            }
        }
        by_id.insert(id.clone(), who.to_owned());
        order.push_back(id.clone());
        Ok(id)
    }

    /// Ends the session of `session`.
    pub fn sign_out(&self, session: &Session) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let (by_id, order) = &mut *sessions;
        by_id.remove(&session.id);
        order.retain(|id| *id != session.id);
    }

    /// The session whose cookie the request carries, if it is a live one.
    pub fn session(&self, headers: &HeaderMap) -> Option<Session> {
        let id = session_cookie_of(headers)?;
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let who = sessions.0.get(&id)?.clone();
        Some(Session { id, who })
    }

    /// The token the session's forms carry.
    pub fn form_token(&self, session: &Session) -> String {
        blake3::keyed_hash(&self.key, session.id.as_bytes())
            .to_hex()
            .to_string()
    }

    /// Whether `given` is the session's form token (compared in constant time).
    pub fn form_token_matches(&self, session: &Session, given: &str) -> bool {
        blake3::Hash::from_hex(given)
            .is_ok_and(|given| given == blake3::keyed_hash(&self.key, session.id.as_bytes()))
    }
}

/// Whether a request carries the session cookie at all (such pages are made per request).
pub fn has_session_cookie(headers: &HeaderMap) -> bool {
    session_cookie_of(headers).is_some()
}

fn session_cookie_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_owned())
}

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(id: &str) -> String {
    cookie::Cookie::build((COOKIE, id.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .build()
        .to_string()
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn cleared_cookie() -> String {
    cookie::Cookie::build((COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .removal()
        .build()
        .to_string()
}

/// Refuses a request that does not come from this server's own pages: a browser says where a
/// POST comes from in `Origin` (`null` under some referrer policies) and, for the newer ones,
/// in `Sec-Fetch-Site`, which a page's script cannot set.
pub fn same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(host) = text(header::HOST.as_str()) else {
        return Err("a request without a Host");
    };
    let site = text("sec-fetch-site");
    if site.is_some_and(|site| site != "same-origin") {
        return Err("a request from another site");
    }
    match text(header::ORIGIN.as_str()) {
        Some(origin) if origin == format!("http://{host}") => Ok(()),
        Some("null") | None if site == Some("same-origin") => Ok(()),
        Some(_) => Err("a request whose Origin is not this server"),
        None => Err("a request that does not say where it comes from (no Origin)"),
    }
}

/// One edit of a bug, as a form asks it.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Name the bug (and set its link).
    Name {
        /// The name.
        name: String,
        /// An `http(s)` link.
        link: Option<String>,
    },
    /// Fixed in a build.
    Fix {
        /// The build (`4.0.0-lego+ #27`, or `#27` of the bug's release).
        build: String,
        /// The fix's commit.
        commit: Option<String>,
        /// A note.
        note: Option<String>,
    },
    /// Not a bug.
    Invalid {
        /// Why.
        why: String,
    },
    /// A dup of another bug.
    Dup {
        /// The other bug's id.
        of: String,
    },
    /// No longer a dup.
    Undup,
    /// Open again.
    Reopen,
    /// Merge other bugs into this one (`bug merge`; it cannot be undone).
    Merge {
        /// The other bugs' ids.
        others: Vec<String>,
    },
    /// Move one signature out into a bug of its own (`bug split`).
    Split {
        /// The signature (its id, or a unique prefix).
        signature: String,
    },
    /// Pin a kept crash: retention always keeps it (`bug pin`).
    Pin {
        /// The crash id.
        crash: i64,
    },
    /// Undo a pin (`bug unpin`).
    Unpin {
        /// The crash id.
        crash: i64,
    },
}

/// The most bugs one merge takes.
pub const MAX_MERGED: usize = 50;

impl Action {
    /// The edit a form's fields ask for, or why it is refused.
    pub fn from_form(form: &HashMap<String, String>) -> Result<Action, String> {
        if let Some((key, _)) = form.iter().find(|(_, v)| v.len() > MAX_FIELD) {
            return Err(format!("{key} is longer than {MAX_FIELD} bytes"));
        }
        let field = |key: &str| -> Option<String> {
            form.get(key)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let needed = |key: &str| field(key).ok_or_else(|| format!("{key} is empty"));
        let crash = || -> Result<i64, String> {
            needed("crash")?
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| "crash is a crash id (a number, from the crash table)".to_owned())
        };
        let action = form.get("action").map(String::as_str).unwrap_or_default();
        Ok(match action {
            "name" => {
                let link = field("link");
                if let Some(link) = &link {
                    if super::layout::safe_link(link).is_none() {
                        return Err("a link must be http:// or https://".to_owned());
                    }
                }
                Action::Name {
                    name: needed("name")?,
                    link,
                }
            }
            "fix" => Action::Fix {
                build: needed("build")?,
                commit: field("commit"),
                note: field("note"),
            },
            "invalid" => Action::Invalid {
                why: needed("why")?,
            },
            "dup" => Action::Dup { of: needed("of")? },
            "undup" => Action::Undup,
            "reopen" => Action::Reopen,
            "merge" => {
                let others: Vec<String> = needed("others")?
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
                    .collect();
                if others.is_empty() {
                    return Err("others is empty".to_owned());
                }
                if others.len() > MAX_MERGED {
                    return Err(format!("at most {MAX_MERGED} bugs in one merge"));
                }
                Action::Merge { others }
            }
            "split" => Action::Split {
                signature: needed("signature")?,
            },
            "pin" => Action::Pin { crash: crash()? },
            "unpin" => Action::Unpin { crash: crash()? },
            other => return Err(format!("no edit {other:?}")),
        })
    }

    /// Does the edit on `bug` (its public id) as `who`, with the calls of the CLI's `bug`
    /// commands. Returns the public id of the bug to show next: the edited one, or the new bug
    /// a split made. `Ok(None)`: there is no such bug.
    pub fn apply(
        &self,
        history: &mut History,
        bug: &str,
        who: &str,
    ) -> anyhow::Result<Option<String>> {
        let Some(row) = history.lookup_bug(bug)? else {
            return Ok(None);
        };
        match self {
            Action::Name { name, link } => {
                history.name_bug_audited(row, name, link.as_deref(), who)?
            }
            Action::Fix {
                build,
                commit,
                note,
            } => {
                history.fix_bug(row, build, commit.as_deref(), note.as_deref(), who)?;
            }
            Action::Invalid { why } => {
                history.invalidate_bug(row, why, who)?;
            }
            Action::Dup { of } => {
                let target = history.find_bug(of)?;
                history.dup_bug(row, target, who)?;
            }
            Action::Undup => {
                history.undup_bug(row, who)?;
            }
            Action::Reopen => {
                history.reopen_bug(row, who)?;
            }
            Action::Merge { others } => {
                let others = others
                    .iter()
                    .map(|id| history.find_bug(id))
                    .collect::<anyhow::Result<Vec<i64>>>()?;
                history.merge_bugs(row, &others, who)?;
            }
            Action::Split { signature } => {
                let new = history.split_bug(row, signature, who)?;
                return Ok(Some(history.public_id(new)?));
            }
            Action::Pin { crash } => {
                history.pin_crash(row, *crash, who)?;
            }
            Action::Unpin { crash } => {
                history.unpin_crash(row, *crash, who)?;
            }
        }
        Ok(Some(bug.to_owned()))
    }
}

/// The name an editor gives at sign-in, or why it is refused.
pub fn editor_name(given: &str) -> Result<String, String> {
    let name = given.trim();
    if name.is_empty() {
        return Err("say who you are: the audit table records it".to_owned());
    }
    if name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err("a name is at most 64 characters, without control characters".to_owned());
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn same_origin_wants_this_server() {
        let ok = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert_eq!(same_origin(&ok), Ok(()));
        let fetch = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "null"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(same_origin(&fetch), Ok(()));
        for bad in [
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://evil.example"),
            ]),
            headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]),
            headers(&[("host", "127.0.0.1:8080")]),
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080"),
                ("sec-fetch-site", "cross-site"),
            ]),
        ] {
            assert!(same_origin(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn forms_ask_for_edits() {
        let form = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            Action::from_form(&form(&[("action", "fix"), ("build", "#27"), ("note", " ")])),
            Ok(Action::Fix {
                build: "#27".into(),
                commit: None,
                note: None
            })
        );
        assert!(Action::from_form(&form(&[("action", "fix")])).is_err());
        assert!(Action::from_form(&form(&[
            ("action", "name"),
            ("name", "x"),
            ("link", "javascript:alert(1)")
        ]))
        .is_err());
        assert!(Action::from_form(&form(&[("action", "drop")])).is_err());
        assert_eq!(
            Action::from_form(&form(&[
                ("action", "merge"),
                ("others", " ab12, cd34  ef56 ")
            ])),
            Ok(Action::Merge {
                others: vec!["ab12".into(), "cd34".into(), "ef56".into()]
            })
        );
        assert!(Action::from_form(&form(&[("action", "merge"), ("others", " , ")])).is_err());
        let many = vec!["ab"; MAX_MERGED + 1].join(" ");
        assert!(Action::from_form(&form(&[("action", "merge"), ("others", &many)])).is_err());
        assert_eq!(
            Action::from_form(&form(&[("action", "split"), ("signature", "0123abcd")])),
            Ok(Action::Split {
                signature: "0123abcd".into()
            })
        );
        assert_eq!(
            Action::from_form(&form(&[("action", "pin"), ("crash", "12")])),
            Ok(Action::Pin { crash: 12 })
        );
        assert_eq!(
            Action::from_form(&form(&[("action", "unpin"), ("crash", "12")])),
            Ok(Action::Unpin { crash: 12 })
        );
        for bad in ["", "x", "-3", "0"] {
            assert!(
                Action::from_form(&form(&[("action", "pin"), ("crash", bad)])).is_err(),
                "{bad:?}"
            );
        }
        assert!(editor_name(" ").is_err());
        assert_eq!(editor_name(" ana ").as_deref(), Ok("ana"));
    }
}
