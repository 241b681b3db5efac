//! The edit side of the pages (`serve --edit`): the sign-in page and a bug's edit forms. Every
//! form posts to this server and carries the session's form token.

use crate::history::views::BugSummary;
use crate::serve::layout::{page, shown, Ctx, Editing, Section};
use maud::{html, Markup};

/// The sign-in page: the server's token and the name the audit table will record.
pub fn render_login(ctx: &Ctx, message: Option<&str>) -> Markup {
    let body = html! {
        h1 { "Sign in to edit" }
        @if let Some(message) = message { p.note { (shown(message)) } }
        @match &ctx.editing {
            Editing::Off => p { "This server is read-only: it was started without " code { "--edit" } "." },
            Editing::SignedIn { who, .. } => p { "You are signed in as " strong { (shown(who)) } "." },
            Editing::SignedOut => form.edit method="post" action={ (ctx.root) "login" } {
                p.dim { "The token was printed when the server started (or is the one its "
                    code { "--edit-token-file" } " or " code { "LEGOLOG_EDIT_TOKEN" } " holds)." }
                label { "token" input type="password" name="token" autocomplete="off" required; }
                label { "your name" input name="name" placeholder="ana@lab" required; }
                button type="submit" { "sign in" }
            },
        }
    };
    page(ctx, "Sign in", Section::Other, body)
}

/// A bug's edit forms, for a signed-in editor: name and link; fix, invalid or dup while it is
/// open; reopen when it is fixed or invalid; undup when it is a dup.
pub fn bug_forms(ctx: &Ctx, bug: &BugSummary) -> Markup {
    let Editing::SignedIn { form_token, .. } = &ctx.editing else {
        return html! {};
    };
    let action = format!("{}/edit", ctx.bug(&bug.id));
    let form = |what: &str, button: &str, fields: Markup| -> Markup {
        html! {
            form.edit method="post" action=(action) data-edit=(what) {
                input type="hidden" name="csrf" value=(form_token);
                input type="hidden" name="action" value=(what);
                (fields)
                button type="submit" { (button) }
            }
        }
    };
    html! {
        section #edit {
            h2 { "Edit" }
            (form("name", "name it", html! {
                label { "name" input name="name" value=[bug.name.as_deref()] required; }
                label { "link" input name="link" value=[bug.link.as_deref()] placeholder="https://…"; }
            }))
            @match bug.status.as_str() {
                "open" => {
                    (form("fix", "fixed", html! {
                        label { "fixed in build" input name="build" placeholder="4.0.0-lego+ #27, or #27" required; }
                        label { "commit" input name="commit"; }
                        label { "note" input name="note"; }
                    }))
                    (form("invalid", "invalid", html! {
                        label { "why" input name="why" required; }
                    }))
                    (form("dup", "dup", html! {
                        label { "dup of bug" input name="of" required; }
                    }))
                },
                "dup" => (form("undup", "undup", html! {})),
                _ => (form("reopen", "reopen", html! {})),
            }
        }
    }
}
