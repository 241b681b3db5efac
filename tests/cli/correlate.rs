//! Issue 4, acceptance 2: `legolog correlate` over directories.

use crate::util::{fixture, legolog, succeed};
use serde_json::Value;

/// Issue 4, acceptance 2: the LegoOS corpus correlates without error.
#[test]
fn issue_4_correlate_the_lego_corpus() {
    let Some(corpus) = crate::util::shared_corpus("lego") else {
        return;
    };
    let output = succeed(
        legolog()
            .args(["correlate", "--no-db", "--format", "json"])
            .arg(&corpus),
    );
    // No progress bar when piped; NOTICE.md is not a log (issue 10): one line counts it.
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        "legolog: skipped 1 entries that are not logs (1 text without console lines or reports); -v lists them\n"
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(json["logs"].as_u64().unwrap() >= 100);
    let groups = json["groups"].as_array().unwrap();
    let cq: Vec<&Value> = groups
        .iter()
        .filter(|g| g["labels"] == serde_json::json!(["cq-stall"]))
        .collect();
    let n_cq: u64 = cq.iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(n_cq, 3, "the seed's copy and two send-CQE timeouts");
    // Piped tables fit $COLUMNS (issue 10); wide enough here for the title on one line.
    let text = legolog()
        .env("COLUMNS", "200")
        .args(["correlate", "--no-db"])
        .arg(&corpus)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("[cq-stall] watchdog: worker stuck in mlx4_ib_poll_cq"),
        "{text}"
    );
    assert!(text.contains("0826-w9-1"));
}

/// Variants from several runs form one group with runs, dates, CPUs and ops; a near variant
/// joins the group and the output says how it differs; --similarity 1 keeps it apart.
#[test]
fn groups_runs_and_fuzzy_members() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    let nested = dir.path().join("nested/deeper");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(dir.path().join("0826-w9-1.log"), &seed).unwrap();
    std::fs::write(
        nested.join("0901-w14-2.log"),
        seed.replace("CPU10", "CPU3").replace("CPU: 10", "CPU: 3"),
    )
    .unwrap();
    // One more reliable frame (an inlined helper not inlined in this build).
    let near = seed.replace(
        "[187736.906771] [<ffffffff81069ab5>] fit_ack_reply_callback+0x185/0x1e0",
        "[187736.906771] [<ffffffff81069ab5>] fit_ack_reply_callback+0x185/0x1e0\n[187736.906800] [<ffffffff81069b00>] handle_ack+0x10/0x40",
    );
    let gz = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, near.as_bytes()).unwrap();
        enc.finish().unwrap()
    };
    std::fs::write(nested.join("0902-w9-7.log.gz"), gz).unwrap();
    let run = |extra: &[&str]| -> Value {
        let output = succeed(
            legolog()
                .args(["correlate", "--no-db", "--format", "json"])
                .args(extra)
                .arg(dir.path()),
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let json = run(&[]);
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{json:#}");
    let group = &groups[0];
    assert_eq!(group["count"], 3);
    assert_eq!(
        group["runs"],
        serde_json::json!(["0826-w9-1", "0901-w14-2", "0902-w9-7"])
    );
    assert_eq!(group["cpus"], serde_json::json!([3, 10]));
    assert_eq!(group["lego_ops"], serde_json::json!(["0x30000000"]));
    let members = group["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[1]["extra"], serde_json::json!(["handle_ack"]));
    // The extra frame pushed the last one out of the top five (the crash PC's function
    // leads them).
    assert_eq!(
        members[1]["missing"],
        serde_json::json!(["thpool_worker_func"])
    );
    assert_eq!(
        run(&["--similarity", "1"])["groups"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let text = legolog()
        .args(["correlate", "--no-db"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("+handle_ack"), "{text}");
    let markdown = legolog()
        .args(["correlate", "--no-db", "--format", "markdown"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8(markdown.stdout)
        .unwrap()
        .contains("| id | bug | title | count |"));
}

/// Issue 10, acceptance 6: a directory with two symlink loops, a binary file and a README is
/// walked quickly, each log read once, non-logs skipped and counted, exit 0; fd's hidden and
/// `--glob` rules.
#[test]
fn issue_10_directory_walks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let logs = crate::util::seed_copies(root, "logs", 3);
    std::os::unix::fs::symlink("..", logs.join("up")).unwrap();
    std::os::unix::fs::symlink(root, logs.join("back-to-root")).unwrap();
    // A second way to the same files: still read once.
    std::os::unix::fs::symlink(&logs, root.join("same-logs")).unwrap();
    let blob: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(root.join("core.bin"), blob).unwrap();
    std::fs::write(root.join("README.md"), "# logs\n\nThe runs of August.\n").unwrap();
    std::fs::create_dir(root.join(".hidden")).unwrap();
    std::fs::copy(fixture("0826-w9-1.log"), root.join(".hidden/0826-w1-1.log")).unwrap();
    // Symlink loops end the walk (a walk that followed them would never end).
    let output = crate::util::output_or_hang(
        crate::util::legolog_std()
            .args(["correlate", "--no-db", "--format", "json", "-v"])
            .arg(root),
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["logs"], 3,
        "each log once, the hidden one not: {stderr}"
    );
    assert_eq!(json["reports"], 3);
    for skipped in [
        "core.bin: binary data",
        "README.md: text without",
        "up: symlink loop",
    ] {
        assert!(stderr.contains(skipped), "{skipped} not listed: {stderr}");
    }
    assert!(stderr.contains("back-to-root: symlink loop"), "{stderr}");
    assert!(
        stderr.contains("skipped 4 entries that are not logs"),
        "{stderr}"
    );
    // --hidden reads the hidden log; --glob keeps only matching names.
    let hidden = crate::util::succeed(
        legolog()
            .args(["correlate", "--no-db", "--format", "json", "--hidden"])
            .arg(root),
    );
    let json: serde_json::Value = serde_json::from_slice(&hidden.stdout).unwrap();
    assert_eq!(json["logs"], 4);
    let globbed = crate::util::succeed(
        legolog()
            .args([
                "correlate",
                "--no-db",
                "--format",
                "json",
                "--glob",
                "*-w1-*",
            ])
            .arg(root),
    );
    let json: serde_json::Value = serde_json::from_slice(&globbed.stdout).unwrap();
    assert_eq!(json["logs"], 1);
}
