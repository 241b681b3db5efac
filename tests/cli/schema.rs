//! The JSON contract: real output validates against docs/legolog.schema.json, and every kind
//! the parser can emit is documented in docs/json.md.

use crate::util::{analyze_json, fixture, root};
use legolog_parsers::Kind;

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/legolog.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the schema itself is valid")
}

pub fn assert_valid(document: &serde_json::Value) {
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn seed_output_matches_the_schema() {
    assert_valid(&analyze_json(&[fixture("0826-w9-1.log").as_os_str()]));
}

#[test]
fn lego_corpus_output_matches_the_schema() {
    let dir = root().join("../shared/corpus/lego");
    if !dir.is_dir() {
        eprintln!("schema: ../shared/corpus/lego not found, skipped");
        return;
    }
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    paths.sort();
    let args: Vec<&std::ffi::OsStr> = paths.iter().map(|p| p.as_os_str()).collect();
    let document = analyze_json(&args);
    assert!(document["reports"].as_array().unwrap().len() > 50);
    assert_valid(&document);
}

#[test]
fn schema_rejects_a_wrong_document() {
    let mut document = analyze_json(&[fixture("0826-w9-1.log").as_os_str()]);
    document["reports"][0]["frames"][0]["address"] = serde_json::json!(18446744071579193868u64);
    assert!(
        !validator().is_valid(&document),
        "a numeric address must be refused"
    );
}

#[test]
fn every_kind_is_documented() {
    let doc = std::fs::read_to_string(root().join("docs/json.md")).unwrap();
    for kind in Kind::ALL {
        let row = format!(
            "| `{}` | {} |",
            kind.as_str(),
            kind.description().replace('|', "\\|")
        );
        assert!(doc.contains(&row), "docs/json.md lacks the row {row}");
    }
}
