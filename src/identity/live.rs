//! A live source's identity in the history. A file is known by its content key; a console that
//! `watch` follows has no end to hash, so it is known by where it is and by the boot it prints:
//! `watch` stopped and started again on the same console and boot records into the same log,
//! and a new boot (a rotated or truncated console file, another banner) starts a new one.

/// The prefix of every live key.
pub const LIVE_KEY_PREFIX: &str = "live:";

/// How much of a console file's start is read for its boot line.
pub const MAX_BOOT_LINE: usize = 4096;

/// The key of the console at `source` (its path as given, `/dev/ttyS0`, `console.log`) printing
/// the boot identified by `boot` (the first line of a console file, or the kernel banner a
/// device printed).
pub fn live_key(source: &str, boot: &[u8]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(source.as_bytes());
    hasher.update(&[0]);
    hasher.update(boot);
    format!("{LIVE_KEY_PREFIX}{}", &hasher.finalize().to_hex()[..32])
}

/// The boot line of a console file's first `head` bytes: its first line that is not blank,
/// without its end of line. `None` when no line is complete yet.
pub fn boot_line(head: &[u8]) -> Option<&[u8]> {
    head.split_inclusive(|&b| b == b'\n')
        .take_while(|line| line.ends_with(b"\n"))
        .map(|line| line.trim_ascii())
        .find(|line| !line.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_console_and_boot_is_the_same_key() {
        let boot = boot_line(b"\n[    0.000000] Linux version 4.0.0-lego+\n[    0.1] x\n");
        assert_eq!(boot, Some(&b"[    0.000000] Linux version 4.0.0-lego+"[..]));
        let key = live_key("console.log", boot.unwrap());
        assert!(key.starts_with(LIVE_KEY_PREFIX));
        assert_eq!(key, live_key("console.log", boot.unwrap()));
        assert_ne!(key, live_key("other.log", boot.unwrap()));
        assert_ne!(
            key,
            live_key("console.log", b"[    0.000000] Linux version 6.1")
        );
        assert_eq!(boot_line(b"[ 0.0] half a line"), None);
    }
}
