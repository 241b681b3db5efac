//! Inferring the KASLR slide from frames that carry both an address and a symbol.

use std::collections::HashMap;

use crate::image::Image;

/// A frame or RIP of the vmlinux (not of a module) that printed both an address and
/// `name+offset[/size]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation<'a> {
    /// The runtime address as printed.
    pub addr: u64,
    /// The symbol name as printed.
    pub name: &'a str,
    /// The offset as printed; `%pB` and `%pS` both print `addr - symbol start`.
    pub offset: u64,
    /// The kallsyms size as printed, used to choose among repeated names.
    pub size: Option<u64>,
}

/// The slide that maps the log's addresses onto the ELF: `runtime = link + slide`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlideEstimate {
    /// The slide most observations agree on; `None` when no observation could be placed.
    pub slide: Option<i64>,
    /// How many observations give exactly `slide`.
    pub agreeing: usize,
    /// Indices (into the observations) of those that give another slide. Non-empty means the
    /// report's frames disagree: some of them, or the ELF, do not belong to this log.
    pub disagreeing: Vec<usize>,
    /// Indices of observations whose name the ELF does not have.
    pub unresolved: Vec<usize>,
}

impl SlideEstimate {
    /// `0x…` as the JSON contract prints it (negative slides as `-0x…`), or `None`.
    pub fn slide_hex(&self) -> Option<String> {
        self.slide.map(|slide| {
            if slide < 0 {
                format!("-{:#x}", slide.unsigned_abs())
            } else {
                format!("{slide:#x}")
            }
        })
    }
}

pub(crate) fn infer(image: &Image, observations: &[Observation<'_>]) -> SlideEstimate {
    let mut unresolved = Vec::new();
    let mut slides: Vec<Option<i64>> = Vec::with_capacity(observations.len());
    for (idx, obs) in observations.iter().enumerate() {
        match image.find_symbol_by_name(obs.name, obs.size) {
            Some(sym) => {
                let link = sym.start.wrapping_add(obs.offset);
                slides.push(Some(obs.addr.wrapping_sub(link) as i64));
            }
            None => {
                unresolved.push(idx);
                slides.push(None);
            }
        }
    }
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for slide in slides.iter().flatten() {
        *counts.entry(*slide).or_default() += 1;
    }
    // The most frequent slide; ties go to the smallest absolute slide (no KASLR is the usual case).
    let best = counts
        .iter()
        .max_by(|a, b| {
            a.1.cmp(b.1)
                .then(b.0.unsigned_abs().cmp(&a.0.unsigned_abs()))
        })
        .map(|(slide, count)| (*slide, *count));
    let Some((slide, agreeing)) = best else {
        return SlideEstimate {
            slide: None,
            agreeing: 0,
            disagreeing: Vec::new(),
            unresolved,
        };
    };
    let disagreeing = slides
        .iter()
        .enumerate()
        .filter_map(|(idx, s)| match s {
            Some(other) if *other != slide => Some(idx),
            _ => None,
        })
        .collect();
    SlideEstimate {
        slide: Some(slide),
        agreeing,
        disagreeing,
        unresolved,
    }
}
