#!/bin/sh
# Grouping against syzbot's buckets: BCubed precision, recall and F1 of legolog's bugs, exact
# signatures and titles on ../shared/corpus/syzkaller-linux/report, with the worst merges and
# splits (tests/cli/grouping.rs, which checks tests/cli/grouping-floors.txt).
#   bench/grouping.sh          the scores
#   bench/grouping.sh sweep    also the bugs under similarity thresholds 0.5 … 1
set -eu
# The shared data next to the checkout, or $LEGOLOG_SHARED.
cd "$(dirname "$0")/.."
if [ "${1:-}" = sweep ]; then
    export GROUPING_SWEEP=1
fi
exec cargo test --quiet --test cli grouping::issue_17_grouping_against_syzbot_buckets -- --nocapture
