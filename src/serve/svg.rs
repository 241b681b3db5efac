//! Charts drawn on the server as inline SVG (no script, no library): bars per date, a line of
//! a running total, and the bug list's sparklines.

use maud::{html, Markup};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const PAD_LEFT: f64 = 36.0;
const PAD_BOTTOM: f64 = 22.0;

/// Dates (`YYYY-MM-DD`) with counts, as bars, one per point; `label` names the chart for
/// assistive technology.
pub fn bars(label: &str, points: &[(String, u64)]) -> Markup {
    chart(label, points, false)
}

/// Dates with a running value, as a line.
pub fn line(label: &str, points: &[(String, u64)]) -> Markup {
    chart(label, points, true)
}

fn chart(label: &str, points: &[(String, u64)], as_line: bool) -> Markup {
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let n = points.len().max(1) as f64;
    let plot_w = WIDTH - PAD_LEFT - 8.0;
    let plot_h = HEIGHT - PAD_BOTTOM - 10.0;
    // A few points do not make one bar the width of the chart.
    let step = (plot_w / n).min(24.0);
    let y_of = |v: u64| 10.0 + plot_h - (v as f64 / max as f64) * plot_h;
    let x_of = |idx: usize| PAD_LEFT + step * idx as f64;
    let path: String = points
        .iter()
        .enumerate()
        .map(|(idx, (_, v))| {
            format!(
                "{}{:.1},{:.1}",
                if idx == 0 { "M" } else { " L" },
                x_of(idx) + step / 2.0,
                y_of(*v)
            )
        })
        .collect();
    let first = points.first().map(|p| p.0.as_str()).unwrap_or("");
    let last = points.last().map(|p| p.0.as_str()).unwrap_or("");
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(label)
            viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width=(WIDTH) height=(HEIGHT) {
            title { (label) }
            line x1=(PAD_LEFT) y1=(10.0 + plot_h) x2=(WIDTH - 8.0) y2=(10.0 + plot_h) stroke="#c8ced6" {}
            text x="2" y="16" { (max) }
            text x="2" y=(10.0 + plot_h) { "0" }
            @if points.is_empty() {
                text x=(WIDTH / 2.0 - 30.0) y=(HEIGHT / 2.0) { "no data" }
            } @else if as_line {
                path.line d=(path) {}
            } @else {
                @for (idx, (date, value)) in points.iter().enumerate() {
                    rect.bar x=(format!("{:.1}", x_of(idx) + step * 0.1)) y=(format!("{:.1}", y_of(*value)))
                        width=(format!("{:.1}", (step * 0.8).max(1.0)))
                        height=(format!("{:.1}", 10.0 + plot_h - y_of(*value))) {
                        title { (date) ": " (value) }
                    }
                }
            }
            text x=(PAD_LEFT) y=(HEIGHT - 6.0) { (first) }
            text x=(WIDTH - 78.0) y=(HEIGHT - 6.0) { (last) }
        }
    }
}

/// A small bar sparkline of counts (oldest first).
pub fn spark(values: &[u64]) -> Markup {
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let w = 2.0;
    let h = 16.0;
    let total: u64 = values.iter().sum();
    html! {
        svg.spark xmlns="http://www.w3.org/2000/svg" role="img"
            aria-label={ (total) " in the last " (values.len()) " days" }
            width=(values.len() as f64 * w) height=(h) viewBox={ "0 0 " (values.len() as f64 * w) " " (h) } {
            @for (idx, v) in values.iter().enumerate() {
                @if *v > 0 {
                    rect.bar x=(idx as f64 * w) y=(format!("{:.1}", h - (*v as f64 / max as f64) * h))
                        width=(w - 0.4) height=(format!("{:.1}", (*v as f64 / max as f64) * h)) {}
                }
            }
        }
    }
}
