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
/// open; reopen when it is fixed or invalid; undup when it is a dup; merge other bugs into it.
pub fn bug_forms(ctx: &Ctx, bug: &BugSummary) -> Markup {
    let Editing::SignedIn { form_token, .. } = &ctx.editing else {
        return html! {};
    };
    let action = format!("{}/edit", ctx.bug(&bug.id));
    let form = |what: &str, button: &str, fields: Markup| -> Markup {
        edit_form(&action, form_token, what, button, "edit", fields)
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
            (form("merge", "merge into this bug", html! {
                label { "bugs to merge into this one (cannot be undone: a dup can)"
                    input name="others" placeholder="bug ids, space-separated" required; }
            }))
        }
    }
}

/// The split button of one of a bug's signatures (a bug of one signature has none), for a
/// signed-in editor.
pub fn split_button(ctx: &Ctx, bug: &str, signature: &str) -> Markup {
    let Editing::SignedIn { form_token, .. } = &ctx.editing else {
        return html! {};
    };
    let action = format!("{}/edit", ctx.bug(bug));
    edit_form(
        &action,
        form_token,
        "split",
        "split out into a new bug",
        "edit inline",
        html! { input type="hidden" name="signature" value=(signature); },
    )
}

/// The pin or unpin button of a kept crash on its bug's page, for a signed-in editor.
pub fn pin_button(ctx: &Ctx, bug: &str, crash: i64, pinned: bool) -> Markup {
    let Editing::SignedIn { form_token, .. } = &ctx.editing else {
        return html! {};
    };
    let action = format!("{}/edit", ctx.bug(bug));
    let (what, button) = if pinned {
        ("unpin", "unpin")
    } else {
        ("pin", "pin")
    };
    edit_form(
        &action,
        form_token,
        what,
        button,
        "edit inline",
        html! { input type="hidden" name="crash" value=(crash); },
    )
}

/// One edit form: a POST to `action` with the session's token and the edit's name.
fn edit_form(
    action: &str,
    form_token: &str,
    what: &str,
    button: &str,
    class: &str,
    fields: Markup,
) -> Markup {
    html! {
        form class=(class) method="post" action=(action) data-edit=(what) {
            input type="hidden" name="csrf" value=(form_token);
            input type="hidden" name="action" value=(what);
            (fields)
            button type="submit" { (button) }
        }
    }
}
