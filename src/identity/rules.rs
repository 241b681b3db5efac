//! Known-bug rules: the built-in `cq-stall` and user rules from TOML (docs/rules.md).
//!
//! A rule has a name, a description, an optional link and one or more `when` blocks; it
//! matches a report when every condition of at least one block holds. Conditions look at the
//! kind, frame names (glob or regex, at a position, within the first N, or anywhere), register
//! values, the LegoOS op and the report's own lines.

use crate::config::limits::Limits;
use crate::identity::signature::{
    self, glob_match, normalize_name, FrameAction, FrameRule, SignatureConfig, Trust,
};
use anyhow::{anyhow, bail, Context as _};
use legolog_parsers::{Kind, Report};
use regex::Regex;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The built-in rules, embedded at build time.
pub const BUILTIN: &str = include_str!("../../rules/builtin.toml");

/// A compiled set of rules plus the signature options a rules file may set.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// Rules in file order, built-in ones first.
    pub rules: Vec<Rule>,
    /// Signature options (`[signature]` in a rules file).
    pub signature: SignatureConfig,
    /// How reports join bugs (`[grouping]` in a rules file).
    pub grouping: Grouping,
    /// Limits reached while loading (rules not read, regexes too big): one line each, for
    /// stderr.
    pub warnings: Vec<String>,
}

/// How reports join bugs in the history (`[grouping]`, docs/rules.md).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grouping {
    /// The similarity a report's signature needs to join a bug it does not match exactly
    /// (default [`crate::history::DEFAULT_SIMILARITY`]).
    pub similarity: Option<f64>,
    /// Let a similar match join signatures whose first frames (the title's guilty functions)
    /// differ; never by default.
    pub similar_across_functions: bool,
}

/// One known-bug rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The label the rule puts on matching reports.
    pub name: String,
    /// What the bug is and what to look at.
    pub description: String,
    /// A link to a tracker entry or write-up.
    pub link: Option<String>,
    whens: Vec<When>,
}

#[derive(Debug, Clone)]
struct When {
    kinds: Vec<Kind>,
    ops: Vec<u64>,
    text: Option<String>,
    text_regex: Option<Regex>,
    registers: Vec<(String, u64, u64)>,
    frames: Vec<FrameCond>,
}

#[derive(Debug, Clone)]
struct FrameCond {
    name: NameMatcher,
    position: Option<usize>,
    within: Option<usize>,
    rip: bool,
    any_trust: bool,
}

#[derive(Debug, Clone)]
enum NameMatcher {
    Glob(String),
    Regex(Regex),
}

impl NameMatcher {
    fn matches(&self, name: &str) -> bool {
        match self {
            NameMatcher::Glob(glob) => glob_match(glob, name),
            NameMatcher::Regex(regex) => regex.is_match(name),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    signature: Option<SignatureToml>,
    #[serde(default)]
    grouping: Option<GroupingToml>,
    #[serde(default)]
    rule: Vec<RuleToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupingToml {
    similarity: Option<f64>,
    similar_across_functions: Option<bool>,
    #[serde(default)]
    frames: Vec<FramesToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FramesToml {
    #[serde(default)]
    kind: Vec<String>,
    #[serde(default)]
    skip: Vec<String>,
    #[serde(default)]
    prefix: Vec<String>,
    #[serde(default)]
    sentinel: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureToml {
    depth: Option<usize>,
    #[serde(default)]
    skip: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleToml {
    name: String,
    description: String,
    link: Option<String>,
    #[serde(default)]
    when: Vec<WhenToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhenToml {
    #[serde(default)]
    kind: Vec<String>,
    #[serde(default)]
    lego_op: Vec<String>,
    text: Option<String>,
    text_regex: Option<String>,
    #[serde(default)]
    registers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    frames: Vec<FrameToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameToml {
    glob: Option<String>,
    regex: Option<String>,
    position: Option<usize>,
    within: Option<usize>,
    #[serde(default)]
    rip: bool,
    trust: Option<String>,
}

impl RuleSet {
    /// The built-in rules only, with the standard signature options.
    pub fn builtin() -> RuleSet {
        let mut set = RuleSet {
            rules: Vec::new(),
            signature: SignatureConfig::standard(),
            grouping: Grouping::default(),
            warnings: Vec::new(),
        };
        // The embedded file is tested below; a failure here is a build defect.
        set.add_text(BUILTIN, Path::new("<builtin rules>"), &Limits::default())
            .expect("the built-in rules compile");
        set
    }

    /// The built-in rules plus a user rules file (`--rules FILE`, or the default location when
    /// it exists). At most [`Limits::max_rules`] rules of the file are read, and a rule whose
    /// regex compiles to more than [`Limits::max_regex_bytes`] is left out; both are warnings
    /// in [`RuleSet::warnings`].
    pub fn load(user_file: Option<&Path>, limits: &Limits) -> anyhow::Result<RuleSet> {
        let mut set = RuleSet::builtin();
        let path = match user_file {
            Some(path) => path.to_owned(),
            None => match default_path() {
                Some(path) if path.exists() => path,
                _ => return Ok(set),
            },
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|err| anyhow!("{}: cannot read rules file: {err}", path.display()))?;
        set.add_text(&text, &path, limits)?;
        Ok(set)
    }

    /// The built-in rules plus the rules in `text` (as if read from `path`), as
    /// [`RuleSet::load`] reads a file.
    pub fn with_text(text: &str, path: &Path, limits: &Limits) -> anyhow::Result<RuleSet> {
        let mut set = RuleSet::builtin();
        set.add_text(text, path, limits)?;
        Ok(set)
    }

    fn add_text(&mut self, text: &str, path: &Path, limits: &Limits) -> anyhow::Result<()> {
        // Only the first `max_rules` rules are parsed at all: the text is cut where the next
        // `[[rule]]` table starts.
        let mut rule_starts = text
            .match_indices("[[rule]]")
            .filter(|(at, _)| text[..*at].ends_with('\n') || *at == 0)
            .map(|(at, _)| at);
        let text = match rule_starts.nth(limits.max_rules) {
            Some(cut) => {
                let more = 1 + rule_starts.count();
                self.warnings.push(format!(
                    "{}: read the first {} rules (limit max_rules); {more} more not read",
                    path.display(),
                    limits.max_rules
                ));
                &text[..cut]
            }
            None => text,
        };
        let file: FileToml = toml::from_str(text).map_err(|err| {
            // toml's messages span several lines (a snippet of the file); keep one line.
            let message = err.message().trim().replace('\n', " ");
            let line = err
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            match line {
                Some(line) => anyhow!("{}:{line}: bad rules file: {message}", path.display()),
                None => anyhow!("{}: bad rules file: {message}", path.display()),
            }
        })?;
        if let Some(sig) = file.signature {
            if let Some(depth) = sig.depth {
                if depth == 0 {
                    bail!("{}: [signature] depth must be at least 1", path.display());
                }
                self.signature.depth = depth;
            }
            self.signature.skip.extend(sig.skip);
        }
        if let Some(grouping) = file.grouping {
            if let Some(similarity) = grouping.similarity {
                if !(0.0..=1.0).contains(&similarity) {
                    bail!(
                        "{}: [grouping] similarity must be between 0 and 1 (1 = exact only)",
                        path.display()
                    );
                }
                self.grouping.similarity = Some(similarity);
            }
            if let Some(across) = grouping.similar_across_functions {
                self.grouping.similar_across_functions = across;
            }
            for frames in grouping.frames {
                if let Some(name) = frames
                    .kind
                    .iter()
                    .find(|name| !Kind::ALL.iter().any(|k| k.as_str() == name.as_str()))
                {
                    bail!(
                        "{}: [[grouping.frames]]: unknown kind `{name}` (see docs/json.md for the list)",
                        path.display()
                    );
                }
                for (action, globs) in [
                    (FrameAction::Skip, frames.skip),
                    (FrameAction::Prefix, frames.prefix),
                    (FrameAction::Sentinel, frames.sentinel),
                ] {
                    for glob in globs {
                        self.signature.frame_rules.push(FrameRule {
                            action,
                            glob,
                            kinds: frames.kind.clone(),
                        });
                    }
                }
            }
        }
        for rule in file.rule {
            let compiled = match compile_rule(rule, limits.max_regex_bytes) {
                Ok(compiled) => compiled,
                Err(err) if err.chain().any(|cause| cause.is::<RegexTooBig>()) => {
                    self.warnings
                        .push(format!("{}: {err:#}; rule left out", path.display()));
                    continue;
                }
                Err(err) => bail!("{}: {err:#}", path.display()),
            };
            self.rules.push(compiled);
        }
        Ok(())
    }

    /// The rules that match a report, in rule order.
    pub fn matches<'a>(
        &'a self,
        report: &Report,
        frame_trust: &dyn Fn(usize) -> Trust,
    ) -> Vec<&'a Rule> {
        self.rules
            .iter()
            .filter(|rule| {
                rule.whens
                    .iter()
                    .any(|w| w.matches(report, frame_trust, &self.signature))
            })
            .collect()
    }

    /// A rule by name.
    pub fn find_rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.name == name)
    }
}

/// `$XDG_CONFIG_HOME/legolog/rules.toml`, else `~/.config/legolog/rules.toml`.
pub fn default_path() -> Option<PathBuf> {
    crate::config::dirs::config_home().map(|dir| dir.join("legolog").join("rules.toml"))
}

fn compile_rule(rule: RuleToml, max_regex_bytes: usize) -> anyhow::Result<Rule> {
    let name = rule.name;
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains(',') {
        bail!("rule name {name:?} must be one word without commas");
    }
    if rule.when.is_empty() {
        bail!("rule `{name}` has no [[rule.when]] block");
    }
    let mut whens = Vec::new();
    for when in rule.when {
        whens.push(compile_when(when, max_regex_bytes).with_context(|| format!("rule `{name}`"))?);
    }
    Ok(Rule {
        name,
        description: rule.description.trim().to_owned(),
        link: rule.link,
        whens,
    })
}

fn compile_when(when: WhenToml, max_regex_bytes: usize) -> anyhow::Result<When> {
    let mut kinds = Vec::new();
    for name in &when.kind {
        let Some(kind) = Kind::ALL.iter().find(|k| k.as_str() == name) else {
            bail!("unknown kind `{name}` (see docs/json.md for the list)");
        };
        kinds.push(*kind);
    }
    let mut ops = Vec::new();
    for op in &when.lego_op {
        ops.push(parse_u64(op).with_context(|| format!("bad lego_op `{op}`"))?);
    }
    let text_regex = match &when.text_regex {
        Some(pattern) => Some(compile_regex(pattern, max_regex_bytes)?),
        None => None,
    };
    let mut registers = Vec::new();
    for (name, value) in &when.registers {
        let (low, high) = match value.split_once("..") {
            Some((low, high)) => (parse_u64(low), parse_u64(high)),
            None => (parse_u64(value), parse_u64(value)),
        };
        let (Ok(low), Ok(high)) = (low, high) else {
            bail!("register {name}: bad value `{value}` (want 0x… or 0xLOW..0xHIGH)");
        };
        registers.push((name.to_ascii_uppercase(), low, high));
    }
    let mut frames = Vec::new();
    for frame in when.frames {
        let name = match (frame.glob, frame.regex) {
            (Some(glob), None) => NameMatcher::Glob(glob),
            (None, Some(regex)) => NameMatcher::Regex(compile_regex(&regex, max_regex_bytes)?),
            _ => bail!("a frame condition needs exactly one of `glob` and `regex`"),
        };
        let any_trust = match frame.trust.as_deref() {
            None | Some("trusted") => false,
            Some("any") => true,
            Some(other) => bail!("frame trust `{other}`: want `trusted` or `any`"),
        };
        frames.push(FrameCond {
            name,
            position: frame.position,
            within: frame.within,
            rip: frame.rip,
            any_trust,
        });
    }
    Ok(When {
        kinds,
        ops,
        text: when.text,
        text_regex,
        registers,
        frames,
    })
}

/// A regex over the `max_regex_bytes` limit: the rule is left out with a warning.
#[derive(Debug)]
struct RegexTooBig {
    pattern: String,
    limit: usize,
}

impl std::fmt::Display for RegexTooBig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: String = self.pattern.chars().take(80).collect();
        write!(
            f,
            "regex `{shown}` compiles to more than {} bytes (limit max_regex_bytes)",
            self.limit
        )
    }
}

impl std::error::Error for RegexTooBig {}

fn compile_regex(pattern: &str, max_bytes: usize) -> anyhow::Result<Regex> {
    let built = regex::RegexBuilder::new(pattern)
        .size_limit(max_bytes)
        .dfa_size_limit(max_bytes)
        .build();
    if let Err(regex::Error::CompiledTooBig(_)) = built {
        return Err(RegexTooBig {
            pattern: pattern.to_owned(),
            limit: max_bytes,
        }
        .into());
    }
    built.map_err(|err| {
        // regex errors draw a caret diagram over several lines; keep the last (the reason).
        let reason = err.to_string();
        let reason = reason.lines().last().unwrap_or("").trim().to_owned();
        anyhow!("bad regex `{pattern}`: {reason}")
    })
}

fn parse_u64(text: &str) -> anyhow::Result<u64> {
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|err| anyhow!("{err}"))
}

impl When {
    fn matches(
        &self,
        report: &Report,
        frame_trust: &dyn Fn(usize) -> Trust,
        config: &SignatureConfig,
    ) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&report.kind) {
            return false;
        }
        if !self.ops.is_empty() {
            let op = report.lego.as_ref().and_then(|lego| lego.op);
            if !op.is_some_and(|op| self.ops.contains(&op)) {
                return false;
            }
        }
        if let Some(text) = &self.text {
            if !report
                .excerpt
                .iter()
                .any(|line| line.text.contains(text.as_str()))
            {
                return false;
            }
        }
        if let Some(regex) = &self.text_regex {
            if !report.excerpt.iter().any(|line| regex.is_match(&line.text)) {
                return false;
            }
        }
        for (name, low, high) in &self.registers {
            let value = report
                .registers
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(name))
                .map(|r| r.value);
            if !value.is_some_and(|v| (*low..=*high).contains(&v)) {
                return false;
            }
        }
        self.frames
            .iter()
            .all(|cond| cond.matches(report, frame_trust, config))
    }
}

impl FrameCond {
    fn matches(
        &self,
        report: &Report,
        frame_trust: &dyn Fn(usize) -> Trust,
        config: &SignatureConfig,
    ) -> bool {
        if self.rip {
            let rip = report.rip.as_ref().and_then(|rip| rip.symbol.as_ref());
            if rip.is_some_and(|s| self.name.matches(normalize_name(&s.name))) {
                return true;
            }
        }
        // The same sequence signatures use: trusted frames (or all), suffixes stripped,
        // generic frames skipped.
        let names = report
            .frames
            .iter()
            .enumerate()
            .filter(|(frame_idx, _)| self.any_trust || frame_trust(*frame_idx).is_trusted())
            .filter_map(|(_, frame)| frame.symbol.as_ref())
            .map(|symbol| normalize_name(&symbol.name))
            .filter(|name| {
                !config
                    .skip
                    .iter()
                    .any(|glob| signature::glob_match(glob, name))
            });
        let limit = match (self.position, self.within) {
            (Some(position), _) => {
                return names
                    .clone()
                    .nth(position)
                    .is_some_and(|n| self.name.matches(n))
            }
            (None, Some(within)) => within,
            (None, None) => usize::MAX,
        };
        names.take(limit).any(|name| self.name.matches(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        let set = RuleSet::builtin();
        assert!(set.find_rule("cq-stall").is_some());
    }

    fn load_text(text: &str) -> anyhow::Result<RuleSet> {
        RuleSet::with_text(text, Path::new("my.toml"), &Limits::default())
    }

    #[test]
    fn rules_beyond_the_limits_are_left_out_with_a_warning() {
        let rule = "[[rule]]\nname = \"r\"\ndescription = \"d\"\n[[rule.when]]\ntext = \"x\"\n";
        let mut set = RuleSet::builtin();
        let before = set.rules.len();
        let limits = Limits {
            max_rules: 3,
            ..Limits::default()
        };
        set.add_text(&rule.repeat(10), Path::new("my.toml"), &limits)
            .unwrap();
        assert_eq!(set.rules.len(), before + 3);
        assert!(
            set.warnings[0].contains("limit max_rules"),
            "{:?}",
            set.warnings
        );
        assert!(set.warnings[0].contains("7 more"), "{:?}", set.warnings);

        let big = "[[rule]]\nname = \"big\"\ndescription = \"d\"\n[[rule.when]]\ntext_regex = \"\\\\w{100}N\"\n";
        let mut set = RuleSet::builtin();
        set.add_text(big, Path::new("my.toml"), &Limits::default())
            .unwrap();
        assert_eq!(set.rules.len(), before);
        assert!(
            set.warnings[0].contains("limit max_regex_bytes"),
            "{:?}",
            set.warnings
        );
    }

    #[test]
    fn bad_regex_names_file_rule_and_reason_on_one_line() {
        let err = load_text(
            "[[rule]]\nname = \"x\"\ndescription = \"d\"\n[[rule.when]]\nframes = [{ regex = \"(\" }]\n",
        )
        .unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.starts_with("my.toml: rule `x`: bad regex `(`"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1, "{text}");
    }

    #[test]
    fn toml_syntax_error_is_one_line_with_a_line_number() {
        let err = load_text("[[rule]]\nname = \n").unwrap_err();
        let text = format!("{err:#}");
        assert!(text.starts_with("my.toml:2: bad rules file"), "{text}");
        assert_eq!(text.lines().count(), 1);
    }

    #[test]
    fn grouping_options() {
        let set =
            load_text("[grouping]\nsimilarity = 0.9\nsimilar_across_functions = true\n").unwrap();
        assert_eq!(set.grouping.similarity, Some(0.9));
        assert!(set.grouping.similar_across_functions);
        assert_eq!(RuleSet::builtin().grouping, Grouping::default());
        let err = load_text("[grouping]\nsimilarity = 1.5\n").unwrap_err();
        assert!(
            format!("{err:#}").starts_with("my.toml: [grouping] similarity must be between"),
            "{err:#}"
        );
        assert!(load_text("[grouping]\nsimilarty = 0.5\n").is_err());
        let set = load_text(
            "[[grouping.frames]]\nkind = [\"lego-watchdog\"]\nprefix = [\"fit_*_poll_*\"]\nskip = [\"x\"]\n",
        )
        .unwrap();
        assert_eq!(set.signature.frame_rules.len(), 2);
        assert_eq!(set.signature.frame_rules[1].action, FrameAction::Prefix);
        let err = load_text("[[grouping.frames]]\nkind = [\"nope\"]\n").unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown kind `nope`"),
            "{err:#}"
        );
    }

    #[test]
    fn unknown_kind_and_fields_are_refused() {
        let err = load_text(
            "[[rule]]\nname = \"x\"\ndescription = \"d\"\n[[rule.when]]\nkind = [\"nope\"]\n",
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("unknown kind `nope`"));
        assert!(load_text("[[rule]]\nname = \"x\"\ndescrption = \"d\"\n").is_err());
    }
}
