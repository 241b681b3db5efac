//! The enrich stage, once for every command: a report found by the scanner is decoded against
//! a kernel image (when there is one), signed and labelled by the known-bug rules. `analyze`
//! (both output paths), `watch`, `correlate`, `explain`, `report` and the dashboard's re-reads
//! all go through [`Enricher::enrich`]; attaching the report to a bug is the history's part.

use crate::identity::rules::RuleSet;
use crate::identity::signature::{self, Signature};
use crate::symbolize::decode::{Decoded, Decoder};
use crate::symbolize::locate::Locator;
use legolog_parsers::kernel::KernelBuild;
use legolog_parsers::Report;

/// Where the kernel image that decodes a report comes from.
#[derive(Clone, Copy)]
pub enum Images<'a> {
    /// No image: reports are signed and labelled from the log alone.
    None,
    /// The image the locator finds for each report (given, or from what the log says about its
    /// kernel: banner, build id).
    Locator(&'a Locator),
    /// One opened image for every report (`correlate`'s workers each open their own).
    Decoder(&'a Decoder),
}

/// The enrich stage: the rules and the kernel images it uses.
#[derive(Clone, Copy)]
pub struct Enricher<'a> {
    /// The known-bug rules, with the signature options.
    pub rules: &'a RuleSet,
    /// Where decoding images come from.
    pub images: Images<'a>,
}

/// A report with what the enrich stage found out about it.
#[derive(Debug, Clone)]
pub struct Enriched {
    /// The report as the scanner gave it.
    pub report: Report,
    /// Its signature (docs/signatures.md): never depends on the image.
    pub signature: Signature,
    /// The names of the known-bug rules it matches.
    pub labels: Vec<String>,
    /// What the kernel image says about it, when one decoded it.
    pub decoded: Option<Decoded>,
}

impl<'a> Enricher<'a> {
    /// An enricher with rules and images.
    pub fn new(rules: &'a RuleSet, images: Images<'a>) -> Enricher<'a> {
        Enricher { rules, images }
    }

    /// Decodes (when an image applies), signs and labels `report`; `banner` is the boot banner
    /// printed before it, which names the kernel build the locator looks for.
    pub fn enrich(&self, report: Report, banner: Option<&KernelBuild>) -> Enriched {
        let decoded = match self.images {
            Images::None => None,
            Images::Locator(locator) => locator.decode(&report, banner),
            Images::Decoder(decoder) => Some(decoder.decode(&report)),
        };
        let (signature, labels) = match &decoded {
            Some(decoded) => annotate_with(&report, self.rules, &|idx| decoded.trust(&report, idx)),
            None => annotate(&report, self.rules),
        };
        Enriched {
            report,
            signature,
            labels,
            decoded,
        }
    }
}

/// The signature and labels of a report, trusting frames the way the kernel marked them.
pub fn annotate(report: &Report, rules: &RuleSet) -> (Signature, Vec<String>) {
    let trust = signature::kernel_trust(report);
    annotate_with(report, rules, &trust)
}

/// The signature and labels of a report. The signature always trusts frames the way the kernel
/// marked them (scheme version 2: identity never depends on symbols, docs/signatures.md); the
/// known-bug rules see `trust` (the kernel's marks, or the verdicts of a kernel image).
pub fn annotate_with(
    report: &Report,
    rules: &RuleSet,
    trust: &dyn Fn(usize) -> signature::Trust,
) -> (Signature, Vec<String>) {
    // A user's fingerprint rule decides the bug on its own (docs/rules.md).
    let signature = match rules.fingerprint_of(report) {
        Some(fingerprint) => signature::fingerprint(report.kind.as_str(), &fingerprint.key),
        None => signature::compute(report, &rules.signature, &signature::kernel_trust(report)),
    };
    let labels = rules
        .matches(report, trust)
        .into_iter()
        .map(|rule| rule.name.clone())
        .collect();
    (signature, labels)
}
