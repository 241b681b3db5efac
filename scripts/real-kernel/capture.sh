#!/usr/bin/env bash
# Capture real Linux 6.1 (Debian 12) serial console logs under qemu (TCG) for legolog's
# real-kernel fixtures, and prepare the debug files the integration test and the benchmark
# read. See scripts/real-kernel/README.md for what it does, why, and the figures measured.
#
# usage: scripts/real-kernel/capture.sh [--prepare-only] [--kabi 6.1.0-NN | --latest] [SCENARIO...]
#   (no option)      install, download, extract, build lkdtm, boot every scenario, write the
#                    logs into fixtures/logs/real/ and the env file
#   --prepare-only   everything but the boots: what a machine needs to run the tests against
#                    the committed logs (the kernel version then must be the committed one)
#   --kabi 6.1.0-NN  use that Debian kernel ABI; default: the one named in
#                    fixtures/logs/real/MANIFEST when apt still has it, else the newest
#   --latest         use the newest linux-image-6.1.0-NN-amd64-dbg apt offers
#   SCENARIO         any of: softlockup oops warning hung-task sysrq irq-warning warning-message
#                    atomic-sleep abba ubsan-bounds (default: all)
# env: LEGOLOG_CACHE (default ~/.cache/legolog), LEGOLOG_QEMU_TIMEOUT (s, default 300)
# Idempotent: every step is skipped when its result is already in the cache.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${LEGOLOG_CACHE:-$HOME/.cache/legolog}
OUT=$REPO/fixtures/logs/real
MANIFEST=$OUT/MANIFEST
QEMU_TIMEOUT=${LEGOLOG_QEMU_TIMEOUT:-300}
ALL_SCENARIOS=(softlockup oops warning hung-task sysrq irq-warning warning-message atomic-sleep abba
	ubsan-bounds)

log() { printf '[capture %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

PREPARE_ONLY=0 KABI= LATEST=0 SCENARIOS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--prepare-only) PREPARE_ONLY=1 ;;
	--kabi) KABI=${2:?--kabi needs 6.1.0-NN}; shift ;;
	--latest) LATEST=1 ;;
	-h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
	softlockup|oops|warning|hung-task|sysrq|irq-warning|warning-message|atomic-sleep|abba|ubsan-bounds)
		SCENARIOS+=("$1") ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=("${ALL_SCENARIOS[@]}")

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- 1. apt lists and base packages
apt_lists_fresh() {
	# fresh = some Packages list younger than 12 hours
	[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -720 -print -quit 2>/dev/null)" ]
}
if ! apt_lists_fresh; then
	log "apt-get update"
	$SUDO apt-get update -qq
fi

BASE_PKGS=(qemu-system-x86 busybox-static cpio build-essential bc xz-utils binutils llvm python3 file
	kmod coreutils gzip)
missing=()
for p in "${BASE_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "apt-get install ${missing[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------- 2. pick the kernel ABI
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
newest_kabi() {
	apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-dbg$' |
		sed -n 's/^linux-image-\(6\.1\.0-[0-9]*\)-amd64-dbg .*/\1/p' | sort -V | tail -n1
}
has_kabi() { # all three packages have a candidate
	local c
	for p in "linux-image-$1-amd64-dbg" "linux-image-$1-amd64-unsigned" "linux-headers-$1-amd64"; do
		c=$(candidate "$p"); [ -n "$c" ] && [ "$c" != "(none)" ] || return 1
	done
}
MANIFEST_KABI=
[ -f "$MANIFEST" ] && MANIFEST_KABI=$(sed -n 's/^kabi=//p' "$MANIFEST")
if [ -z "$KABI" ] && [ "$LATEST" = 0 ] && [ -n "$MANIFEST_KABI" ] && has_kabi "$MANIFEST_KABI"; then
	KABI=$MANIFEST_KABI
fi
if [ -z "$KABI" ]; then
	KABI=$(newest_kabi)
	[ -n "$KABI" ] || die "apt knows no linux-image-6.1.0-NN-amd64-dbg (is bookworm + bookworm-security in sources?)"
	if [ -n "$MANIFEST_KABI" ] && [ "$KABI" != "$MANIFEST_KABI" ]; then
		log "WARNING: the committed logs are from $MANIFEST_KABI; using $KABI — the logs must be re-captured to match"
		[ "$PREPARE_ONLY" = 0 ] || log "WARNING: --prepare-only with a different kernel: the committed logs will NOT match this vmlinux"
	fi
fi
has_kabi "$KABI" || die "linux-image-$KABI-amd64-dbg/-unsigned or linux-headers-$KABI-amd64 not available from apt"
KVER=$KABI-amd64
PKG_VER=$(candidate "linux-image-$KVER-dbg")
log "kernel $KVER (Debian package version $PKG_VER)"

# headers (to build lkdtm) and linux-source-6.1 (lkdtm sources, scripts/decode_stacktrace.sh)
need=()
for p in "linux-headers-$KVER" linux-source-6.1; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "apt-get install ${need[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
SRC_VER=$(dpkg-query -W -f='${Version}' linux-source-6.1)
[ "$SRC_VER" = "$PKG_VER" ] || log "WARNING: linux-source-6.1 is $SRC_VER, the kernel is $PKG_VER (lkdtm may differ)"

# ---------------------------------------------------------------- 3. download the two .debs
DEBS=$CACHE/debs
KDIR=$CACHE/$KVER
mkdir -p "$DEBS" "$KDIR"
deb_path() { echo "$DEBS/${1}_${PKG_VER}_amd64.deb"; }
for p in "linux-image-$KVER-dbg" "linux-image-$KVER-unsigned"; do
	f=$(deb_path "$p")
	want=$(apt-cache show --no-all-versions "$p=$PKG_VER" | awk '/^Size:/ { print $2; exit }')
	if [ -f "$f" ] && [ "$(stat -c %s "$f")" = "$want" ]; then continue; fi
	log "apt-get download $p ($((want / 1000000)) MB)"
	rm -f "$f"
	(cd "$DEBS" && apt-get download -q "$p=$PKG_VER" 2>&1 | grep -v 'unsandboxed as root' >&2 || true)
	[ -f "$f" ] && [ "$(stat -c %s "$f")" = "$want" ] || die "download of $p failed"
done

# ---------------------------------------------------------------- 4. extract only what is needed
# -dbg: the vmlinux with DWARF (~630 MB) and System.map. Not the 4000 debug .ko files: the
# initramfs loads no Debian module, so no frame can point into one (lkdtm.ko is ours).
VMLINUX=$KDIR/dbg/usr/lib/debug/boot/vmlinux-$KVER
if [ ! -s "$VMLINUX" ]; then
	log "extracting vmlinux-$KVER from the -dbg package (reads the whole 860 MB .deb, ~1 min)"
	mkdir -p "$KDIR/dbg"
	dpkg-deb --fsys-tarfile "$(deb_path "linux-image-$KVER-dbg")" |
		nice tar -x -C "$KDIR/dbg" "./usr/lib/debug/boot/vmlinux-$KVER" "./usr/lib/debug/boot/System.map-$KVER"
fi
VMLINUZ=$KDIR/image/boot/vmlinuz-$KVER
if [ ! -s "$VMLINUZ" ]; then
	log "extracting vmlinuz-$KVER from the -unsigned package"
	mkdir -p "$KDIR/image"
	dpkg-deb --fsys-tarfile "$(deb_path "linux-image-$KVER-unsigned")" |
		tar -x -C "$KDIR/image" "./boot/vmlinuz-$KVER" "./boot/config-$KVER"
fi

# linux-source-6.1 unpacked (1.5 GB): lkdtm sources and scripts/decode_stacktrace.sh
SRC=$CACHE/src/linux-source-6.1
if [ ! -x "$SRC/scripts/decode_stacktrace.sh" ] || [ ! -f "$SRC/.legolog-version" ] ||
	[ "$(cat "$SRC/.legolog-version")" != "$SRC_VER" ]; then
	log "unpacking /usr/src/linux-source-6.1.tar.xz into $CACHE/src"
	rm -rf "$SRC"
	mkdir -p "$CACHE/src"
	nice tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$CACHE/src"
	echo "$SRC_VER" > "$SRC/.legolog-version"
fi

# ---------------------------------------------------------------- 5. build lkdtm.ko out of tree
# Debian's config has "# CONFIG_LKDTM is not set". Build drivers/misc/lkdtm against the headers
# with CONFIG_LKDTM=m. UNSET_SMEP is compiled out: native_write_cr4 is not exported to modules.
# -ffile-prefix-map makes __FILE__ (printed by WARN) and DWARF say drivers/misc/lkdtm/… as in a
# kernel-tree build, and keeps the build reproducible whatever $HOME is (same build id).
# The headers config has CONFIG_DEBUG_INFO=y, so the module is built with -g; it is kept unstripped.
MODDIR=$KDIR/modules
LKDTM=$MODDIR/lkdtm.ko
if [ ! -s "$LKDTM" ]; then
	B=$KDIR/lkdtm-build
	log "building lkdtm.ko in $B"
	rm -rf "$B"
	cp -r "$SRC/drivers/misc/lkdtm" "$B"
	perl -0pi -e 's/(static void lkdtm_UNSET_SMEP\(void\)\n\{\n)#if IS_ENABLED\(CONFIG_X86_64\) && !IS_ENABLED\(CONFIG_UML\)/$1#if 0 \/* legolog: native_write_cr4 is not exported by Debian kernels *\//' "$B/bugs.c"
	grep -q 'legolog: native_write_cr4' "$B/bugs.c" || die "could not patch UNSET_SMEP out of bugs.c"
	nice make -s -C "/usr/src/linux-headers-$KVER" M="$B" CONFIG_LKDTM=m \
		KCFLAGS="-ffile-prefix-map=$B/=drivers/misc/lkdtm/" modules 2>&1 |
		grep -v 'Skipping BTF generation' >&2 || true
	[ -s "$B/lkdtm.ko" ] || die "lkdtm.ko did not build"
	readelf -S "$B/lkdtm.ko" | grep -q '\.debug_info' || die "lkdtm.ko has no DWARF"
	mkdir -p "$MODDIR"
	cp "$B/lkdtm.ko" "$LKDTM"
fi

# legolog_bugs.ko (scripts/real-kernel/legolog-bugs/): what the stock kernel reports but lkdtm
# cannot provoke there — sleeping in atomic context, an AB-BA mutex deadlock, and lkdtm's
# ARRAY_BOUNDS under -fsanitize=bounds. Debian has "# CONFIG_UBSAN is not set", so lib/ubsan.c
# of linux-source is compiled into the module, patched only where it reaches outside
# (task_struct.in_ubsan, check_panic_on_warn(), not exported; its EXPORT_SYMBOLs).
BUGS=$MODDIR/legolog_bugs.ko
BUGS_SRC=$HERE/legolog-bugs
if [ ! -s "$BUGS" ] || [ -n "$(find "$BUGS_SRC" -newer "$BUGS" -print -quit)" ]; then
	B=$KDIR/legolog-bugs-build
	log "building legolog_bugs.ko in $B"
	rm -rf "$B"
	cp -r "$BUGS_SRC" "$B"
	cp "$SRC/lib/ubsan.c" "$SRC/lib/ubsan.h" "$B/"
	perl -0pi -e 's/current->in_ubsan/legolog_in_ubsan/g;
		s/#include "ubsan.h"\n/#include "ubsan.h"\n\n\/* legolog: task_struct has no in_ubsan without CONFIG_UBSAN *\/\nstatic int legolog_in_ubsan;\n/;
		s/\n\tcheck_panic_on_warn\("UBSAN"\);\n/\n\t\/* legolog: check_panic_on_warn() is not exported to modules *\/\n/;
		s/^EXPORT_SYMBOL\(__ubsan_handle_\w+\);\n//mg' "$B/ubsan.c"
	grep -q 'static int legolog_in_ubsan' "$B/ubsan.c" && ! grep -q 'check_panic_on_warn("' "$B/ubsan.c" ||
		die "could not patch lib/ubsan.c for legolog_bugs.ko"
	nice make -s -C "/usr/src/linux-headers-$KVER" M="$B" \
		KCFLAGS="-ffile-prefix-map=$B/=legolog-bugs/" modules 2>&1 |
		grep -v -e 'Skipping BTF generation' -e 'objtool: .*UACCESS' >&2 || true
	[ -s "$B/legolog_bugs.ko" ] || die "legolog_bugs.ko did not build"
	mkdir -p "$MODDIR"
	cp "$B/legolog_bugs.ko" "$BUGS"
fi
build_id() { readelf -n "$1" | awk '/Build ID:/ { print $3; exit }'; }
LKDTM_BUILD_ID=$(build_id "$LKDTM")
BUGS_BUILD_ID=$(build_id "$BUGS")
VMLINUX_BUILD_ID=$(build_id "$VMLINUX")
if [ -n "$MANIFEST_KABI" ] && [ "$MANIFEST_KABI" = "$KABI" ]; then
	want=$(sed -n 's/^lkdtm_build_id=//p' "$MANIFEST")
	[ -z "$want" ] || [ "$want" = "$LKDTM_BUILD_ID" ] ||
		log "WARNING: lkdtm.ko build id $LKDTM_BUILD_ID differs from the committed logs' $want (other gcc/binutils?)"
fi

# ---------------------------------------------------------------- 6. env file for tests/benchmarks
ENVF=$CACHE/real-kernel.env
cat > "$ENVF" <<EOF
# written by scripts/real-kernel/capture.sh — source it
LEGOLOG_REAL_KVER=$KVER
LEGOLOG_REAL_PKG_VERSION=$PKG_VER
LEGOLOG_REAL_VMLINUX=$VMLINUX
LEGOLOG_REAL_VMLINUX_BUILD_ID=$VMLINUX_BUILD_ID
LEGOLOG_REAL_SYSTEM_MAP=$KDIR/dbg/usr/lib/debug/boot/System.map-$KVER
LEGOLOG_REAL_VMLINUZ=$VMLINUZ
LEGOLOG_REAL_MODULES=$MODDIR
LEGOLOG_REAL_LKDTM_BUILD_ID=$LKDTM_BUILD_ID
LEGOLOG_REAL_BUGS_BUILD_ID=$BUGS_BUILD_ID
LEGOLOG_LINUX_SOURCE=$SRC
EOF
log "wrote $ENVF"
[ "$PREPARE_ONLY" = 1 ] && exit 0

# ---------------------------------------------------------------- 7. initramfs
INITRD=$KDIR/initramfs.cpio.gz
IR=$(mktemp -d)
trap 'rm -rf "$IR"' EXIT
mkdir -p "$IR"/{bin,sbin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$IR/bin/busybox"
file -L "$IR/bin/busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' || die "/bin/busybox is not static (install busybox-static)"
ln -s busybox "$IR/bin/sh"
install -m 0755 "$HERE/init.sh" "$IR/init"
cp "$LKDTM" "$IR/lib/modules/lkdtm.ko"
cp "$BUGS" "$IR/lib/modules/legolog_bugs.ko"
$SUDO mknod -m 600 "$IR/dev/console" c 5 1
$SUDO mknod -m 666 "$IR/dev/null" c 1 3
(cd "$IR" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner 0:0 --quiet) | gzip -9n > "$INITRD"
log "initramfs $INITRD ($(stat -c %s "$INITRD") bytes)"

# ---------------------------------------------------------------- 8. boot each scenario
mkdir -p "$OUT"
# every scenario gets the same command line; only legolog.scenario differs. KASLR is on by
# default in Debian's kernel (CONFIG_RANDOMIZE_BASE=y); a "kaslr" word would only be reported as
# an unknown parameter, so there is none: what matters is that "nokaslr" is absent.
CMDLINE="console=ttyS0,115200 panic=-1 watchdog_thresh=5 softlockup_panic=0 hung_task_panic=0"

expect() { # scenario → extended regexes that must all match the log
	case "$1" in
	softlockup) printf '%s\n' 'watchdog: BUG: soft lockup - CPU#' 'lkdtm_SOFTLOCKUP\+0x[0-9a-f]+/0x[0-9a-f]+ \[lkdtm\]' ;;
	oops) printf '%s\n' 'BUG: kernel NULL pointer dereference' 'Oops: ' 'RIP: 0010:lkdtm_ACCESS_NULL\+0x[0-9a-f]+/0x[0-9a-f]+ \[lkdtm\]' 'Kernel Offset: 0x' ;;
	warning) printf '%s\n' 'WARNING: CPU: [0-9]+ PID: [0-9]+ at drivers/misc/lkdtm/bugs.c:[0-9]+ lkdtm_WARNING' 'direct_entry(\.cold)?\+0x[0-9a-f]+/0x[0-9a-f]+ \[lkdtm\]' ;;
	hung-task) printf '%s\n' 'INFO: task .* blocked for more than [0-9]+ seconds' 'schedule\+0x[0-9a-f]+/0x[0-9a-f]+' 'direct_entry(\.cold)?\+0x[0-9a-f]+/0x[0-9a-f]+ \[lkdtm\]' ;;
	irq-warning) printf '%s\n' 'WARNING: CPU: [0-9]+ PID: [0-9]+ at drivers/misc/lkdtm/bugs.c:[0-9]+ lkdtm_WARNING' 'lkdtm_kprobe_handler\+0x[0-9a-f]+/0x[0-9a-f]+ \[lkdtm\]' ' </IRQ>' 'asm_common_interrupt\+0x[0-9a-f]+/0x[0-9a-f]+' ;;
	warning-message) printf '%s\n' 'WARNING: CPU: [0-9]+ PID: [0-9]+ at drivers/misc/lkdtm/bugs.c:[0-9]+ lkdtm_WARNING_MESSAGE' 'Warning message trigger count: 1' 'direct_entry(\.cold)?\+0x[0-9a-f]+/0x[0-9a-f]+ \[lkdtm\]' ;;
	atomic-sleep) printf '%s\n' 'BUG: scheduling while atomic: insmod/[0-9]+/0x' 'legolog_sleep_in_atomic\+0x[0-9a-f]+/0x[0-9a-f]+ \[legolog_bugs\]' ;;
	abba) printf '%s\n' 'INFO: task legolog-ab:[0-9]+ blocked for more than' 'INFO: task legolog-ba:[0-9]+ blocked for more than' 'mutex_lock' 'legolog_abba_ab\+0x[0-9a-f]+/0x[0-9a-f]+ \[legolog_bugs\]' 'legolog_abba_ba\+0x[0-9a-f]+/0x[0-9a-f]+ \[legolog_bugs\]' ;;
	ubsan-bounds) printf '%s\n' 'UBSAN: array-index-out-of-bounds in legolog-bugs/bounds.c:[0-9]+:[0-9]+' 'index 8 is out of range for type' 'legolog_array_bounds(\.cold)?\+0x[0-9a-f]+/0x[0-9a-f]+ \[legolog_bugs\]' ;;
	sysrq) printf '%s\n' 'sysrq: Show State' 'task:.* state:' 'schedule\+0x[0-9a-f]+/0x[0-9a-f]+' 'direct_entry(\.cold)?\+0x[0-9a-f]+/0x[0-9a-f]+ \[lkdtm\]' 'sysrq: Show backtrace of all active CPUs' ;;
	esac
}

failed=()
SUMMARY=$KDIR/capture-summary.txt
: > "$SUMMARY"
for sc in "${SCENARIOS[@]}"; do
	tmp=$KDIR/serial-$sc.log
	rm -f "$tmp"
	log "booting scenario $sc (timeout ${QEMU_TIMEOUT}s)"
	t0=$(date +%s.%N)
	rc=0
	nice timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 \
		-accel tcg -cpu max,la57=off -smp 2 -m 1G \
		-nographic -monitor none -serial "file:$tmp" -nic none -no-reboot \
		-kernel "$VMLINUZ" -initrd "$INITRD" \
		-append "$CMDLINE legolog.scenario=$sc" </dev/null >"$KDIR/qemu-$sc.out" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	ok=1
	# every scenario ends by itself (poweroff -f, or panic=-1 with -no-reboot): a timeout means
	# the scenario went wrong (e.g. poweroff stuck behind the lockup) even if the report is there
	[ "$rc" = 0 ] || { log "  qemu exited $rc for $sc (124 = timeout) — $(head -c 300 "$KDIR/qemu-$sc.out")"; ok=0; }
	while IFS= read -r re; do
		grep -aqE "$re" "$tmp" || { log "  $sc: missing /$re/"; ok=0; }
	done < <(expect "$sc")
	initline=$(grep -a -m1 'legolog-init: scenario=' "$tmp" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	size=$(stat -c %s "$tmp")
	if [ "$ok" = 1 ]; then
		cp "$tmp" "$OUT/6.1-$sc.log"
		log "  $sc: ok, $size bytes, qemu wall ${wall}s, /init reached at kernel time ${initline:-?}s"
	else
		cp "$tmp" "$KDIR/6.1-$sc.failed.log"
		failed+=("$sc")
		log "  $sc: FAILED, log kept in $KDIR/6.1-$sc.failed.log"
	fi
	echo "$sc ok=$ok bytes=$size qemu_wall_s=$wall init_at_kernel_s=${initline:-?} qemu_rc=$rc" >> "$SUMMARY"
done

# ---------------------------------------------------------------- 9. manifest of the committed logs
if [ ${#failed[@]} = 0 ]; then
	cp "$MANIFEST" "$MANIFEST.old" 2>/dev/null || true
	{
		echo "# written by scripts/real-kernel/capture.sh: which build the logs in this directory come from"
		echo "kabi=$KABI"
		echo "kver=$KVER"
		echo "package_version=$PKG_VER"
		echo "packages=linux-image-$KVER-dbg linux-image-$KVER-unsigned linux-headers-$KVER linux-source-6.1"
		echo "vmlinux_build_id=$VMLINUX_BUILD_ID"
		echo "lkdtm_build_id=$LKDTM_BUILD_ID"
		echo "legolog_bugs_build_id=$BUGS_BUILD_ID"
		echo "linux_source_version=$SRC_VER"
		echo "qemu=$(qemu-system-x86_64 --version | head -n1)"
		echo "qemu_args=-accel tcg -cpu max,la57=off -smp 2 -m 1G -nographic -monitor none -serial file:LOG -nic none -no-reboot"
		echo "cmdline=$CMDLINE legolog.scenario=SCENARIO"
		for f in "$OUT"/6.1-*.log; do
			line="log $(basename "$f") bytes=$(stat -c %s "$f") sha256=$(sha256sum "$f" | cut -d' ' -f1)"
			# an unchanged log keeps its line, with the note written after it by hand
			grep -F -- "$line" "$MANIFEST.old" 2>/dev/null || echo "$line"
		done
	} > "$MANIFEST.new"
	mv "$MANIFEST.new" "$MANIFEST"
	rm -f "$MANIFEST.old"
fi
cat "$SUMMARY" >&2
if [ ${#failed[@]} -gt 0 ]; then die "scenarios failed: ${failed[*]}"; fi
log "all done: logs in $OUT, env in $ENVF"
