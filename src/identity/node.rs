//! Nodes: which machine of a run a console belongs to. `--node NAME=PATH[,id=N]` names it;
//! otherwise a run-named file (`0827-w14-6`) names it (`w14`). Also wall-clock times.

use crate::identity::run::Date;
use legolog_parsers::WallTime;
use std::path::PathBuf;

/// A console given with `--node NAME=PATH[,id=N]`, or a plain path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// The node's name, when known.
    pub name: Option<String>,
    /// The log: a path, `-` for stdin.
    pub path: PathBuf,
    /// The node's id in the cluster (LegoOS FIT node id), when given.
    pub id: Option<u32>,
}

impl NodeSpec {
    /// A path given without a name: the node comes from the file name when it follows the run
    /// naming.
    pub fn plain(path: PathBuf) -> NodeSpec {
        NodeSpec {
            name: None,
            path,
            id: None,
        }
    }

    /// The node's name: given, or from a run-named file.
    pub fn node_name(&self) -> Option<String> {
        self.name
            .clone()
            .or_else(|| node_of_run(&crate::input::Source::from_arg(&self.path).run_name()))
    }
}

/// Parses `NAME=PATH` or `NAME=PATH,id=N`, or a bare `NAME` (a spec without a path: the node
/// of the logs given without one).
pub fn parse_spec(text: &str) -> Result<NodeSpec, String> {
    let (name, rest) = match text.split_once('=') {
        Some(split) => split,
        None if !text.is_empty() && !text.contains(['/', ',']) => {
            return Ok(NodeSpec {
                name: Some(text.to_owned()),
                path: PathBuf::new(),
                id: None,
            })
        }
        None => return Err(format!("expected NAME or NAME=PATH[,id=N], got {text:?}")),
    };
    if name.is_empty() || name.contains(['/', ',']) {
        return Err(format!("not a node name: {name:?}"));
    }
    let (path, id) = match rest.rsplit_once(",id=") {
        Some((path, id)) => {
            let id = id
                .parse()
                .map_err(|_| format!("not a node id: {id:?} (in {text:?})"))?;
            (path, Some(id))
        }
        None => (rest, None),
    };
    if path.is_empty() {
        return Err(format!("no path for node {name}"));
    }
    Ok(NodeSpec {
        name: Some(name.to_owned()),
        path: PathBuf::from(path),
        id,
    })
}

/// The machine of a run name: `0827-w14-6` → `w14`.
pub fn node_of_run(stem: &str) -> Option<String> {
    crate::identity::run::run_info(stem, &[]).node
}

/// `2018-08-27 10:11:12.345` (`Aug 27 10:11:12` without a year), with the offset when printed.
pub fn wall_text(wall: &WallTime) -> String {
    let secs = wall.seconds;
    let whole = secs.trunc() as u64;
    let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60);
    let frac = secs - secs.trunc();
    let frac = if frac > 0.0 {
        format!("{:.3}", frac).trim_start_matches('0').to_owned()
    } else {
        String::new()
    };
    let zone = match wall.utc_offset_minutes {
        Some(0) => "Z".to_owned(),
        Some(min) => format!(
            "{}{:02}:{:02}",
            if min < 0 { '-' } else { '+' },
            min.abs() / 60,
            min.abs() % 60
        ),
        None => String::new(),
    };
    match wall.year {
        Some(year) => format!(
            "{year:04}-{:02}-{:02} {h:02}:{m:02}:{s:02}{frac}{zone}",
            wall.month, wall.day
        ),
        None => {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let month = MONTHS.get(wall.month as usize - 1).copied().unwrap_or("?");
            format!("{month} {:2} {h:02}:{m:02}:{s:02}{frac}", wall.day)
        }
    }
}

/// Seconds since 1970 (UTC when the offset is known, else as printed); a time without a year
/// takes `year` (the run's).
pub fn wall_epoch(wall: &WallTime, year: Option<i32>) -> Option<f64> {
    let date = Date::new(wall.year.or(year)?, wall.month, wall.day)?;
    let offset = f64::from(wall.utc_offset_minutes.unwrap_or(0) * 60);
    Some(date.days_since_epoch() as f64 * 86_400.0 + wall.seconds - offset)
}

/// The wall time of a point in time (UTC).
pub fn wall_of(time: std::time::SystemTime) -> WallTime {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let days = (secs / 86_400.0).floor();
    let date = Date::from_days_since_epoch(days as i64);
    WallTime {
        year: Some(date.year),
        month: date.month,
        day: date.day,
        seconds: ((secs - days * 86_400.0) * 1000.0).round() / 1000.0,
        utc_offset_minutes: Some(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let spec = parse_spec("w14=/logs/a.log,id=0").unwrap();
        assert_eq!(spec.name.as_deref(), Some("w14"));
        assert_eq!(spec.path, PathBuf::from("/logs/a.log"));
        assert_eq!(spec.id, Some(0));
        let spec = parse_spec("P=-").unwrap();
        assert_eq!((spec.path.to_str(), spec.id), (Some("-"), None));
        // A bare name is the node of the logs given without one (`--node w3 a.log`).
        let spec = parse_spec("w3").unwrap();
        assert_eq!(
            (spec.name.as_deref(), spec.path.as_os_str().is_empty()),
            (Some("w3"), true)
        );
        assert!(parse_spec("logs/a.log").is_err());
        assert!(parse_spec("x=a,id=z").is_err());
        assert!(parse_spec("=a").is_err());
    }

    #[test]
    fn nodes_from_run_names() {
        assert_eq!(node_of_run("0827-w14-6").as_deref(), Some("w14"));
        assert_eq!(
            node_of_run("diary-180827-b07-0827-w9-5").as_deref(),
            Some("w9")
        );
        assert_eq!(node_of_run("console"), None);
        assert_eq!(node_of_run("diary-180829-b04"), None);
    }

    #[test]
    fn wall_times() {
        let wall = WallTime {
            year: Some(2018),
            month: 8,
            day: 27,
            seconds: 36672.345,
            utc_offset_minutes: Some(120),
        };
        assert_eq!(wall_text(&wall), "2018-08-27 10:11:12.345+02:00");
        let epoch = wall_epoch(&wall, None).unwrap();
        assert_eq!(epoch.round() as i64, 1_535_357_472, "08:11:12 UTC");
        let now = wall_of(std::time::UNIX_EPOCH + std::time::Duration::from_secs(86_400 + 61));
        assert_eq!(wall_text(&now), "1970-01-02 00:01:01Z");
    }
}
