#!/usr/bin/env bash
# The whole test suite, on a fresh machine too (this is what .ci/run runs):
#   1. installs the Debian packages the tests need when they are missing (one `apt-get update`
#      first, only when something is missing; sudo when not root);
#   2. checks that the fuzz targets (outside the workspace) still build against the library;
#   3. runs `cargo test --workspace --locked` (extra arguments are passed on to it);
#   4. ends with ONE line saying which tests skipped and what they needed, e.g.
#      `skipped: 14 tests need ../shared, 9 need the real-kernel cache`.
#
# How the skip line is made: a test that cannot run here (no ../shared, no real-kernel cache, …)
# calls its crate's `skipped(NEED, WHY)` helper, which appends `NEED<TAB>crate::test` to the file
# named by $LEGOLOG_TEST_SKIPS (one O_APPEND write per line, so parallel tests and test binaries
# never interleave) besides saying so on stderr. A file rather than grepping the output: libtest
# captures and hides the output of passing tests, and `--nocapture` would bury cargo's own
# `test result:` lines under every test's chatter.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need from Debian: "PACKAGE  PROBE" per line, PROBE being a command on $PATH or
# an absolute path (a glob is fine). Adding a package is one line here.
PACKAGES=(
    "postgresql   /usr/lib/postgresql/*/bin/initdb"  # history tests start their own servers
    "debuginfod   debuginfod"                        # locate tests serve a module over HTTP
    "time         /usr/bin/time"                     # hostile-input tests measure peak RSS
    "bsdutils     script"                            # pseudo-terminal for the terminal tests
    "fish         fish"                              # completions are tried in the shells
    "chromium     chromium"                          # the dashboard's pages in a real browser
    "chromium-driver chromedriver"                   # WebDriver for chromium
)

present() { # present PROBE
    case $1 in
        /*) compgen -G "$1" >/dev/null ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

missing=()
for line in "${PACKAGES[@]}"; do
    read -r package probe _ <<<"$line"
    # LEGOLOG_PG_BIN points the history tests at PostgreSQL binaries installed elsewhere.
    if [ "$package" = postgresql ] && [ -n "${LEGOLOG_PG_BIN:-}" ]; then
        continue
    fi
    present "$probe" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "scripts/test.sh: installing ${missing[*]} (Debian packages the tests need)"
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The fuzz targets live outside the workspace (cargo-fuzz's layout): make sure they still
# build against the library, so an API change cannot silently break scripts/fuzz.sh.
(cd fuzz && RUSTC_BOOTSTRAP=1 cargo check --bins --quiet)

mkdir -p target
skips=$PWD/target/test-skips.txt
: >"$skips"
status=0
LEGOLOG_TEST_SKIPS=$skips cargo test --workspace --locked --no-fail-fast "$@" || status=$?

# One line: how many distinct tests skipped for each need.
summary=$(sort -u "$skips" | cut -f1 | sort | uniq -c | sort -rn |
    awk '{ n = $1; $1 = ""; sub(/^ /, ""); printf "%s%d %s %s", (NR > 1 ? ", " : ""), n,
           (NR > 1 ? "" : (n == 1 ? "test" : "tests")), "need " $0 }' | sed 's/  / /g')
echo "skipped: ${summary:-none}"
exit "$status"
