//! Issue 11: finding the kernel's debug info without `--vmlinux`: `--debug-dir` by banner,
//! `--debug-root` distro layouts, `.build-id` and a real `debuginfod` server by build id;
//! `--src`; data symbols never condemn an image; `--strict`; bad debug files and servers.

use crate::real_kernel::{real_kernel, real_logs, RealKernel};
use crate::util::{fixture, legolog, root};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn fixture_elf() -> PathBuf {
    root().join("fixtures/vmlinux/vmlinux-0826-w9-1")
}

fn fixture_module() -> PathBuf {
    root().join("fixtures/vmlinux/lego_test-mod.ko")
}

/// Runs `legolog analyze --no-db -f json ARGS`: exit code, JSON, stderr. A run that hangs
/// fails the test ([`crate::util::output_or_hang`]).
fn analyze(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> (Option<i32>, Value, String) {
    let mut cmd = crate::util::legolog_std();
    cmd.args(["analyze", "--no-db", "-f", "json"]).args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let output = crate::util::output_or_hang(&mut cmd);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("JSON ({err}); stderr: {stderr}"));
    (output.status.code(), json, stderr)
}

fn os(text: &str) -> &std::ffi::OsStr {
    text.as_ref()
}

/// The fixture module's build id.
fn module_build_id() -> String {
    build_id_of(&fixture_module())
}

/// An ELF's GNU build id: the 20 bytes after the note's `GNU\0` name (the first such note).
fn build_id_of(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let at = bytes
        .windows(4)
        .position(|w| w == b"GNU\0")
        .expect("the ELF has a GNU build-id note");
    bytes[at + 4..at + 24]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A `%pSb` trace of the fixture module (the kernel prints `[mod build-id]`).
fn module_log(dir: &Path, build_id: &str) -> PathBuf {
    let log = format!(
        "[    1.000000] WARNING: CPU: 0 PID: 1 at drivers/misc/lego_test-mod.c:5 lego_test_do_action+0x19/0x20 [lego_test_mod {build_id}]\n\
         [    1.000001] CPU: 0 PID: 1 Comm: insmod Not tainted 4.0.0-lego+ #26\n\
         [    1.000002] RIP: 0010:lego_test_do_action+0x7/0x1e [lego_test_mod {build_id}]\n\
         [    1.000003] Call Trace:\n\
         [    1.000004]  <TASK>\n\
         [    1.000005]  lego_test_init+0x16/0x1b [lego_test_mod {build_id}]\n\
         [    1.000006]  </TASK>\n"
    );
    let path = dir.join("module.log");
    std::fs::write(&path, log).unwrap();
    path
}

fn module_frames(json: &Value) -> Vec<&Value> {
    let report = &json["reports"][0];
    report["rip"]
        .as_object()
        .map(|_| &report["rip"])
        .into_iter()
        .chain(report["frames"].as_array().unwrap())
        .filter(|frame| frame["module"].is_string())
        .collect()
}

/// Acceptance 2: `--debug-dir` with two builds of 4.0.0-lego+ (#26, the fixture, and #27, the
/// same ELF whose banner says #27) picks the one each log names, says when none matches, and
/// reads the files only once (the index in the XDG cache answers the second run).
#[test]
fn issue_11_debug_dir_picks_the_build_by_banner() {
    let dir = tempfile::tempdir().unwrap();
    let builds = dir.path().join("builds");
    for (name, build) in [("lego-26", "#26"), ("lego-27", "#27")] {
        let tree = builds.join(name);
        std::fs::create_dir_all(&tree).unwrap();
        let elf = std::fs::read(fixture_elf()).unwrap();
        let elf = replace(&elf, b") #26 SMP", format!(") {build} SMP").as_bytes());
        std::fs::write(tree.join("vmlinux"), elf).unwrap();
    }
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for build in ["#26", "#27", "#28"] {
        let text = seed.replace("4.0.0-lego+ #26", &format!("4.0.0-lego+ {build}"));
        std::fs::write(logs.join(format!("{}.log", &build[1..])), text).unwrap();
    }
    let run = |log: &str| {
        analyze(
            &[
                os("--debug-dir"),
                builds.as_os_str(),
                logs.join(log).as_os_str(),
            ],
            &[],
        )
    };
    for (log, tree) in [("26.log", "lego-26"), ("27.log", "lego-27")] {
        let (code, json, stderr) = run(log);
        assert_eq!(code, Some(0), "{stderr}");
        let report = &json["reports"][0];
        assert_eq!(report["image"]["how"], "debug-dir", "{log}: {report}");
        let path = report["image"]["path"].as_str().unwrap();
        assert!(path.ends_with(&format!("{tree}/vmlinux")), "{log}: {path}");
        assert!(report["image"]["why"]
            .as_str()
            .unwrap()
            .contains("linux_banner"));
        assert_eq!(report["rip"]["verdict"], "reliable");
        assert_eq!(
            report["rip"]["location"][0]["file"],
            "drivers/infiniband/hw/mlx4/cq.c"
        );
    }
    let (code, json, stderr) = run("28.log");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(json["reports"][0]["image"].is_null());
    assert!(
        stderr.contains("no kernel image for Linux 4.0.0-lego+ #28"),
        "says none matches: {stderr}"
    );
    // The index remembers both files; a second run believes it while the files are unchanged,
    // so an index entry rewritten to say #28 makes the #28 log choose that file.
    let index_path = crate::util::test_home().join("cache/legolog/debug-dirs.json");
    let index = std::fs::read_to_string(&index_path).expect("the index is written");
    assert_eq!(index.matches("4.0.0-lego+").count(), 2, "{index}");
    std::fs::write(&index_path, index.replace(") #27 SMP", ") #28 SMP")).unwrap();
    // The config file's debug_dirs work like --debug-dir.
    let config = crate::util::test_home().join("config/legolog");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!("debug_dirs = [{:?}]\n", builds.display().to_string()),
    )
    .unwrap();
    let (_, json, stderr) = analyze(&[logs.join("26.log").as_os_str()], &[]);
    let path = json["reports"][0]["image"]["path"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        path.ends_with("lego-26/vmlinux"),
        "from config.toml: {path} {stderr}"
    );
    std::fs::remove_file(config.join("config.toml")).unwrap();
    let (_, json, stderr) = run("28.log");
    let path = json["reports"][0]["image"]["path"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        path.ends_with("lego-27/vmlinux"),
        "the index answered: {path} {stderr}"
    );
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = haystack
        .windows(from.len())
        .position(|w| w == from)
        .expect("the pattern is in the ELF");
    let mut out = haystack.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

/// Acceptance 4: a RIP in a module's data object (lkdtm EXEC_DATA prints
/// `data_area+0x0/0xffffffffffff76e0 [lkdtm]`) does not make the module foreign: its other frames
/// keep their locations.
#[test]
fn issue_11_exec_data_keeps_module_frames() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_module(), dir.path().join("lego_test-mod.ko")).unwrap();
    let log = "[    1.000000] BUG: unable to handle page fault for address: ffffffffc0a0b000\n\
               [    1.000001] #PF: supervisor instruction fetch in kernel mode\n\
               [    1.000002] Oops: 0011 [#1] PREEMPT SMP NOPTI\n\
               [    1.000003] CPU: 0 PID: 1 Comm: init Not tainted 4.0.0-lego+ #26\n\
               [    1.000004] RIP: 0010:lego_test_data_area+0x0/0xffffffffffff76e0 [lego_test_mod]\n\
               [    1.000005] Call Trace:\n\
               [    1.000006]  <TASK>\n\
               [    1.000007]  lego_test_init+0x16/0x1b [lego_test_mod]\n\
               [    1.000008]  </TASK>\n";
    let path = dir.path().join("exec-data.log");
    std::fs::write(&path, log).unwrap();
    for size in ["0xffffffffffff76e0", "0x40"] {
        std::fs::write(&path, log.replace("0xffffffffffff76e0", size)).unwrap();
        let (code, json, stderr) = analyze(
            &[
                os("--vmlinux"),
                fixture_elf().as_os_str(),
                os("--modules"),
                dir.path().as_os_str(),
                os("--strict"),
                path.as_os_str(),
            ],
            &[],
        );
        assert_eq!(
            code,
            Some(0),
            "no mismatch, --strict passes ({size}): {stderr}"
        );
        let report = &json["reports"][0];
        assert_eq!(report["rip"]["verdict"], "unknown", "{size}");
        let frame = &report["frames"][0];
        assert_eq!(frame["verdict"], "reliable", "{size}: {stderr}");
        assert_eq!(frame["location"][0]["function"], "lego_test_init");
        assert!(!stderr.contains("does not match"), "{stderr}");
    }
}

/// `--strict`: a report that does not match its image exits 3 with a short explanation, and the
/// mismatch warning quotes the frame as the log printed it.
#[test]
fn issue_11_strict_mismatch_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(fixture("0826-w9-1.log")).unwrap();
    let path = dir.path().join("other-build.log");
    std::fs::write(
        &path,
        seed.replace("scheduler_tick+0x55/0x60", "scheduler_tick+0x55/0x70"),
    )
    .unwrap();
    let args = [
        os("--vmlinux"),
        fixture_elf().into_os_string().leak(),
        path.as_os_str(),
    ];
    let (code, _, stderr) = analyze(&args, &[]);
    assert_eq!(code, Some(0), "without --strict: {stderr}");
    assert!(
        stderr.contains("the log printed `ffffffff81019865 scheduler_tick+0x55/0x70`"),
        "{stderr}"
    );
    let mut strict = args.to_vec();
    strict.insert(0, os("--strict"));
    let (code, json, stderr) = analyze(&strict, &[]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("--strict: 1 of 1 reports do not match"),
        "{stderr}"
    );
    assert_eq!(
        json["reports"][0]["kind"], "lego-watchdog",
        "the output is still written"
    );
}

/// Acceptance 5: `--src` shows the lines around each frame's line, the line marked, in text and
/// Markdown.
#[test]
fn issue_11_src_shows_source_lines() {
    let src = root().join("fixtures/vmlinux/src");
    let cq = std::fs::read_to_string(src.join("drivers/infiniband/hw/mlx4/cq.c")).unwrap();
    let line9 = cq.lines().nth(8).unwrap().replace('\t', "        ");
    let line10 = cq.lines().nth(9).unwrap().replace('\t', "        ");
    for format in ["text", "markdown"] {
        let output = legolog()
            .args([
                "analyze",
                "--no-db",
                "--color",
                "never",
                "-f",
                format,
                "--context",
                "1",
            ])
            .arg("--vmlinux")
            .arg(fixture_elf())
            .arg("--src")
            .arg(&src)
            .arg(fixture("0826-w9-1.log"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The RIP is cq.c:9 (inside the inlined mlx4_ib_poll_one).
        let marked = stdout
            .lines()
            .find(|l| l.contains('>') && l.contains(&line9))
            .unwrap_or_else(|| panic!("{format}: no marked line 9 in\n{stdout}"));
        assert!(marked.contains(" 9 "), "{format}: {marked}");
        assert!(
            stdout
                .lines()
                .any(|l| l.contains("10 ") && l.contains(&line10) && !l.contains('>')),
            "{format}: context line 10 unmarked\n{stdout}"
        );
    }
}

/// Acceptance 1: the Debian debug package layout under `--debug-root` locates every kernel frame
/// of the real logs, without `--vmlinux`.
#[test]
fn issue_11_debug_root_locates_the_real_kernel() {
    let real = match real_kernel() {
        Ok(real) => real,
        Err(why) => return eprintln!("locate: {why}, skipped"),
    };
    let debug_root = debug_root_of(&real);
    let logs = real_logs();
    let mut kernel_frames = 0;
    for log in &logs {
        let (code, json, stderr) = analyze(
            &[os("--debug-root"), debug_root.as_os_str(), log.as_os_str()],
            &[],
        );
        assert_eq!(code, Some(0), "{}: {stderr}", log.display());
        for report in json["reports"].as_array().unwrap() {
            assert_eq!(report["image"]["how"], "debug-root", "{}", log.display());
            assert_eq!(report["image"]["path"], real.vmlinux.to_str().unwrap());
            let kernel =
                all_frames(report).filter(|f| f["module"].is_null() && f["symbol"].is_string());
            for frame in kernel {
                kernel_frames += 1;
                assert!(
                    frame["location"].as_array().is_some_and(|l| !l.is_empty()),
                    "{}: {frame}",
                    log.display()
                );
            }
        }
    }
    eprintln!(
        "locate: {kernel_frames} kernel frames of {} real logs located",
        logs.len()
    );
    assert!(kernel_frames > 100, "{kernel_frames}");
}

/// `ROOT/usr/lib/debug/boot/vmlinux-REL` → `ROOT`.
fn debug_root_of(real: &RealKernel) -> PathBuf {
    let layout = format!("usr/lib/debug/boot/vmlinux-{}", real.kver);
    let root = real.vmlinux.to_str().unwrap().strip_suffix(&layout);
    PathBuf::from(root.expect("the cache holds the Debian debug package layout"))
}

fn all_frames(report: &Value) -> impl Iterator<Item = &Value> {
    let rip = report["rip"].as_object().map(|_| &report["rip"]);
    rip.into_iter().chain(report["frames"].as_array().unwrap())
}

/// Acceptance 4 on the real kernel: lkdtm's EXEC_DATA RIP `data_area+0x0/0xffffffffffff76e0`
/// (made from the real oops log: its RIP lines name the data object instead) leaves lkdtm's
/// other frames symbolized.
#[test]
fn issue_11_real_exec_data_keeps_lkdtm_frames() {
    let real = match real_kernel() {
        Ok(real) => real,
        Err(why) => return eprintln!("locate: {why}, skipped"),
    };
    let text = std::fs::read_to_string(fixture("real/6.1-oops.log")).unwrap();
    let text = text.replace(
        "RIP: 0010:lkdtm_ACCESS_NULL+0x14/0x53 [lkdtm]",
        "RIP: 0010:data_area+0x0/0xffffffffffff76e0 [lkdtm]",
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("exec-data.log");
    std::fs::write(&log, text).unwrap();
    let (code, json, stderr) = analyze(
        &[
            os("--strict"),
            os("--debug-root"),
            debug_root_of(&real).as_os_str(),
            os("--modules"),
            real.modules.as_os_str(),
            log.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let report = &json["reports"][0];
    assert_eq!(report["rip"]["symbol"], "data_area");
    assert_eq!(report["rip"]["verdict"], "unknown");
    let lkdtm: Vec<&Value> = report["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["module"] == "lkdtm")
        .collect();
    assert!(!lkdtm.is_empty());
    for frame in lkdtm {
        assert_ne!(frame["verdict"], "mismatch", "{frame} {stderr}");
        assert!(frame["location"][0]["file"].is_string(), "{frame}");
    }
}

/// Acceptance 3 on the real kernel: a `debuginfod` serving the real lkdtm.ko gives every lkdtm
/// frame a location when the trace prints lkdtm's build id (`%pSb`, made from the real oops log).
#[test]
fn issue_11_real_lkdtm_from_debuginfod() {
    let real = match real_kernel() {
        Ok(real) => real,
        Err(why) => return eprintln!("locate: {why}, skipped"),
    };
    let lkdtm = real.modules.join("lkdtm.ko");
    let build_id = build_id_of(&lkdtm);
    let served = tempfile::tempdir().unwrap();
    std::fs::copy(&lkdtm, served.path().join("lkdtm.ko")).unwrap();
    let server = start_debuginfod(served.path(), &build_id);
    let text = std::fs::read_to_string(fixture("real/6.1-oops.log")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("oops-build-ids.log");
    std::fs::write(
        &log,
        text.replace(" [lkdtm]", &format!(" [lkdtm {build_id}]")),
    )
    .unwrap();
    let cache = dir.path().join("cache");
    let (code, json, stderr) = analyze(
        &[
            os("--debug-root"),
            debug_root_of(&real).as_os_str(),
            log.as_os_str(),
        ],
        &[
            ("DEBUGINFOD_URLS", &server.url),
            ("DEBUGINFOD_CACHE_PATH", cache.to_str().unwrap()),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let report = &json["reports"][0];
    let lkdtm_frames: Vec<&Value> = all_frames(report)
        .filter(|f| f["module"] == "lkdtm")
        .collect();
    assert!(lkdtm_frames.len() >= 2, "{report}");
    for frame in lkdtm_frames {
        assert_eq!(frame["build_id"], build_id.as_str());
        assert!(frame["location"][0]["file"].is_string(), "{frame} {stderr}");
    }
    assert_eq!(report["modules"][0]["how"], "debuginfod");
}

/// A `debuginfod` serving `dir` on a free loopback port, killed on drop.
struct Server {
    child: Child,
    url: String,
    _db: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts Debian's `debuginfod` and waits until it serves `build_id`. Panics (the test FAILS)
/// when it cannot: `.ci/run` installs the package.
fn start_debuginfod(dir: &Path, build_id: &str) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = tempfile::tempdir().unwrap();
    let child = Command::new("debuginfod")
        .arg("-F")
        .arg(dir)
        .arg("-d")
        .arg(db.path().join("db.sqlite"))
        .args(["-p", &port.to_string(), "-t", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("debuginfod runs (Debian package `debuginfod`; .ci/run installs it)");
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _db: db,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if http_status(port, &format!("/buildid/{build_id}/debuginfo")) == Some(200) {
            return server;
        }
        assert!(
            Instant::now() < deadline,
            "debuginfod did not serve {build_id} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Acceptance 3: a real debuginfod provides the module whose build id the trace prints; every
/// frame of it gets a location. A closed port costs one warning and no wait.
#[test]
fn issue_11_debuginfod_provides_the_module() {
    let build_id = module_build_id();
    let served = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_module(), served.path().join("lego_test-mod.ko")).unwrap();
    let server = start_debuginfod(served.path(), &build_id);
    let dir = tempfile::tempdir().unwrap();
    let log = module_log(dir.path(), &build_id);
    let cache = dir.path().join("dcache");
    let cache_env = cache.to_str().unwrap();
    let args = [
        os("--vmlinux"),
        fixture_elf().into_os_string().leak(),
        log.as_os_str(),
    ];
    let (code, json, stderr) = analyze(
        &args,
        &[
            ("DEBUGINFOD_URLS", &server.url),
            ("DEBUGINFOD_CACHE_PATH", cache_env),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let frames = module_frames(&json);
    assert_eq!(frames.len(), 2);
    for frame in &frames {
        assert!(
            frame["location"][0]["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("lego_test-mod.c")),
            "{frame} {stderr}"
        );
    }
    let module = &json["reports"][0]["modules"][0];
    assert_eq!(module["how"], "debuginfod", "{module}");
    assert_eq!(module["build_id"], build_id.as_str());
    assert!(cache.join(&build_id).join("debuginfo").is_file(), "cached");
    // The cache answers once the server is gone.
    drop(server);
    let (_, json, stderr) = analyze(
        &args,
        &[
            ("DEBUGINFOD_URLS", "http://127.0.0.1:9"),
            ("DEBUGINFOD_CACHE_PATH", cache_env),
        ],
    );
    assert!(
        module_frames(&json)
            .iter()
            .all(|f| f["location"][0]["file"].is_string()),
        "{stderr}"
    );
    // A closed port, empty cache: one warning and no wait. The timeout is a day long, so a
    // client that waited on a closed port would hang the run.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let empty = dir.path().join("empty-cache");
    let (code, json, stderr) = analyze(
        &args,
        &[
            ("DEBUGINFOD_URLS", &format!("http://127.0.0.1:{closed}")),
            ("DEBUGINFOD_CACHE_PATH", empty.to_str().unwrap()),
            ("DEBUGINFOD_TIMEOUT", "86400"),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(json["reports"].as_array().unwrap().len(), 1);
    let server_lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("debuginfod"))
        .collect();
    assert_eq!(server_lines.len(), 1, "{stderr}");
}

/// An HTTP server that answers every request with `response` (`None`: accepts and never
/// answers); its URL and how many connections it took.
fn lying_server(response: Option<Vec<u8>>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    std::thread::spawn(move || {
        let mut silent = Vec::new();
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            match &response {
                Some(response) => {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf);
                    let _ = stream.write_all(response);
                }
                None => silent.push(stream),
            }
        }
    });
    (format!("http://127.0.0.1:{port}"), asked)
}

/// Acceptance 6: a missing debug dir, an unreadable `.debug`, a build-id link loop, a truncated
/// download and a file with another build id: one line each, no hang, the analysis completes.
#[test]
fn issue_11_bad_debug_files_and_servers() {
    let build_id = module_build_id();
    let dir = tempfile::tempdir().unwrap();
    let log = module_log(dir.path(), &build_id);
    let elf = fixture_elf().into_os_string();

    // A --debug-dir that does not exist.
    let missing = dir.path().join("no-such-dir");
    let (code, json, stderr) = analyze(
        &[
            os("--debug-dir"),
            missing.as_os_str(),
            os("--vmlinux"),
            &elf,
            log.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(2), "{stderr}");
    let said: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("no-such-dir"))
        .collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(said[0].contains("No such file"), "{stderr}");
    assert_eq!(json["reports"].as_array().unwrap().len(), 1);

    // `.build-id/xx/yyyy.debug` that is not an ELF, then one that links to itself.
    let root_dir = dir.path().join("root");
    let link_dir = root_dir.join(format!("usr/lib/debug/.build-id/{}", &build_id[..2]));
    std::fs::create_dir_all(&link_dir).unwrap();
    let debug = link_dir.join(format!("{}.debug", &build_id[2..]));
    std::fs::write(&debug, b"not an ELF").unwrap();
    let with_root = [
        os("--debug-root"),
        root_dir.as_os_str(),
        os("--vmlinux"),
        &elf,
        log.as_os_str(),
    ];
    let (code, json, stderr) = analyze(&with_root, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let bad: Vec<&str> = stderr.lines().filter(|l| l.contains(".debug")).collect();
    assert_eq!(bad.len(), 1, "{stderr}");
    assert!(bad[0].contains("not an ELF"), "{stderr}");
    assert!(module_frames(&json)
        .iter()
        .all(|f| f["location"].as_array().unwrap().is_empty()));
    std::fs::remove_file(&debug).unwrap();
    std::os::unix::fs::symlink(&debug, &debug).unwrap();
    // The loop ends (a hang fails the test in `analyze`).
    let (code, _, stderr) = analyze(&with_root, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.contains(".debug")).count(),
        1,
        "{stderr}"
    );

    // A server that sends 10 of the 100000 bytes it announces, and one that sends the vmlinux
    // (another build id) for the module's id.
    let truncated = lying_server(Some(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n\x7fELF012345"
            .to_vec(),
    ));
    let vmlinux = std::fs::read(fixture_elf()).unwrap();
    let mut wrong = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        vmlinux.len()
    )
    .into_bytes();
    wrong.extend_from_slice(&vmlinux);
    let wrong = lying_server(Some(wrong));
    // A server that accepts the connection and never answers: the client's timeout (1 s here)
    // is what ends the wait, once.
    let silent = lying_server(None);
    for ((url, asked), says) in [
        (truncated, "ended early"),
        (wrong, "its build id is"),
        (silent, "not asked again"),
    ] {
        let cache = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let (code, json, stderr) = analyze(
            &[os("--vmlinux"), &elf, log.as_os_str()],
            &[
                ("DEBUGINFOD_URLS", &url),
                ("DEBUGINFOD_CACHE_PATH", cache.path().to_str().unwrap()),
                ("DEBUGINFOD_TIMEOUT", "1"),
            ],
        );
        if says == "not asked again" {
            assert!(
                started.elapsed() >= Duration::from_secs(1),
                "the silent server was waited for"
            );
        }
        assert_eq!(asked.load(Ordering::SeqCst), 1, "{says}: asked once");
        assert_eq!(code, Some(0), "{stderr}");
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("debuginfod"))
            .collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(
            lines[0].contains(says) || lines[0].contains("truncated"),
            "{says}: {stderr}"
        );
        assert!(module_frames(&json)
            .iter()
            .all(|f| f["location"].as_array().unwrap().is_empty()));
        let kept: Vec<_> = walk(cache.path());
        assert!(kept.is_empty(), "discarded: {kept:?}");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A stripped vmlinux at a `--debug-root` distro path is replaced by its debug file, found by
/// the build id at `usr/lib/debug/.build-id/xx/yyyy.debug`.
#[test]
fn issue_11_stripped_vmlinux_gets_its_debug_file_by_build_id() {
    let dir = tempfile::tempdir().unwrap();
    let build = dir.path().join("lib/modules/4.0.0-lego+/build");
    std::fs::create_dir_all(&build).unwrap();
    let status = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(build.join("vmlinux"))
        .arg(fixture_elf())
        .status()
        .expect("binutils strip runs");
    assert!(status.success());
    let id = build_id_of(&fixture_elf());
    let links = dir
        .path()
        .join(format!("usr/lib/debug/.build-id/{}", &id[..2]));
    std::fs::create_dir_all(&links).unwrap();
    std::fs::copy(fixture_elf(), links.join(format!("{}.debug", &id[2..]))).unwrap();
    let (code, json, stderr) = analyze(
        &[
            os("--debug-root"),
            dir.path().as_os_str(),
            fixture("0826-w9-1.log").as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let report = &json["reports"][0];
    assert_eq!(report["image"]["how"], "build-id", "{}", report["image"]);
    assert!(
        !stderr.contains("no DWARF"),
        "the debug file replaced it: {stderr}"
    );
    assert_eq!(report["image"]["build_id"], id.as_str());
    assert_eq!(
        report["rip"]["location"][0]["file"],
        "drivers/infiniband/hw/mlx4/cq.c"
    );
}
