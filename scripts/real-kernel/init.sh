#!/bin/sh
# /init of the legolog capture initramfs (busybox-static). capture.sh copies it into the
# initramfs; it is not meant to run anywhere else.
#
# One scenario per boot, chosen by `legolog.scenario=NAME` on the kernel command line:
#   softlockup  lkdtm SOFTLOCKUP (needs watchdog_thresh=5 softlockup_panic=0 on the cmdline)
#   oops        lkdtm ACCESS_NULL with kernel.panic_on_oops=1, so the kernel also prints its
#               "Kernel Offset:" (the KASLR slide) and qemu exits through panic=-1 -no-reboot
#   warning     lkdtm WARNING
#   hung-task   lkdtm HUNG_TASK with kernel.hung_task_timeout_secs=5
#   sysrq       a task parked in lkdtm HUNG_TASK (so the dump has [lkdtm] frames), then
#               sysrq-t (all task states) and sysrq-l (backtrace of the active CPUs)
#   irq-warning lkdtm WARNING at the INT_HW_IRQ_EN crash point (a kprobe on handle_irq_event),
#               i.e. inside a hard-IRQ handler: x86 prints the interrupted context's registers
#               in the middle of the Call Trace and then goes on with its frames. Writes to
#               the serial port make the IRQs (lkdtm fires on the 10th hit).
#   warning-message  lkdtm WARNING_MESSAGE: WARN() with a message, from another function than
#               WARNING's but through the same caller (direct_entry)
#   atomic-sleep     insmod legolog_bugs.ko action=atomic-sleep: msleep() with preemption
#               disabled, "BUG: scheduling while atomic"
#   abba        insmod legolog_bugs.ko action=abba with hung_task_timeout_secs=5: an AB-BA
#               mutex deadlock between two kthreads, reported as two hung tasks
#   ubsan-bounds     insmod legolog_bugs.ko action=array-bounds: lkdtm's ARRAY_BOUNDS under
#               -fsanitize=bounds, "UBSAN: array-index-out-of-bounds"
# Lines starting with "legolog-init:" go through /dev/kmsg: they are ours, not the kernel's,
# and record the ground truth (kallsyms _text, lkdtm section addresses) for the test authors.

/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug

note() { echo "legolog-init: $*" > /dev/kmsg; }

scenario=
for w in $(cat /proc/cmdline); do
	case "$w" in legolog.scenario=*) scenario="${w#legolog.scenario=}" ;; esac
done

finish() {
	note "done, powering off"
	# no sync: nothing to write back on an initramfs. poweroff -f goes through
	# migrate_to_reboot_cpu(), i.e. it must be able to run on CPU 0 (see softlockup).
	poweroff -f
	sleep 30
}

if ! insmod /lib/modules/lkdtm.ko; then
	note "insmod lkdtm.ko failed"
	finish
fi

DIRECT=/sys/kernel/debug/provoke-crash/DIRECT
note "scenario=$scenario uname=$(uname -r)"
note "kallsyms _text=$(awk '$3 == "_text" { print $1 }' /proc/kallsyms)"
for s in .text .text.unlikely .init.text .exit.text .rodata .data; do
	[ -r "/sys/module/lkdtm/sections/$s" ] && note "lkdtm section $s=$(cat /sys/module/lkdtm/sections/$s)"
done

case "$scenario" in
softlockup)
	# The spinning task is pinned to CPU 1 and init to CPU 0: poweroff migrates to CPU 0
	# (the reboot CPU) and would wait forever behind a lockup there.
	taskset -p 1 $$ >/dev/null
	note "taskset 2 echo SOFTLOCKUP > $DIRECT"
	taskset 2 sh -c "echo SOFTLOCKUP > $DIRECT" &
	sleep 30
	;;
oops)
	echo 1 > /proc/sys/kernel/panic_on_oops
	note "echo ACCESS_NULL > $DIRECT (panic_on_oops=1)"
	echo ACCESS_NULL > $DIRECT
	sleep 10
	;;
warning)
	note "echo WARNING > $DIRECT"
	echo WARNING > $DIRECT
	sleep 1
	;;
hung-task)
	echo 5 > /proc/sys/kernel/hung_task_timeout_secs
	note "echo HUNG_TASK > $DIRECT (hung_task_timeout_secs=5)"
	echo HUNG_TASK > $DIRECT &
	sleep 14
	;;
sysrq)
	note "echo HUNG_TASK > $DIRECT (background, so sysrq-t shows an [lkdtm] frame)"
	echo HUNG_TASK > $DIRECT &
	sleep 2
	note "echo t > /proc/sysrq-trigger"
	echo t > /proc/sysrq-trigger
	sleep 2
	note "echo l > /proc/sysrq-trigger"
	echo l > /proc/sysrq-trigger
	sleep 2
	;;
irq-warning)
	note "echo WARNING > /sys/kernel/debug/provoke-crash/INT_HW_IRQ_EN, then serial writes for IRQs"
	echo WARNING > /sys/kernel/debug/provoke-crash/INT_HW_IRQ_EN
	i=0
	while [ $i -lt 200 ] && ! dmesg | grep -q 'WARNING: CPU'; do
		echo "legolog-init: serial write $i for an IRQ" > /dev/ttyS0
		i=$((i + 1))
		sleep 0.1
	done
	sleep 1
	;;
warning-message)
	note "echo WARNING_MESSAGE > $DIRECT"
	echo WARNING_MESSAGE > $DIRECT
	sleep 1
	;;
atomic-sleep)
	note "insmod /lib/modules/legolog_bugs.ko action=atomic-sleep"
	insmod /lib/modules/legolog_bugs.ko action=atomic-sleep
	sleep 1
	;;
abba)
	echo 5 > /proc/sys/kernel/hung_task_timeout_secs
	note "insmod /lib/modules/legolog_bugs.ko action=abba (hung_task_timeout_secs=5)"
	insmod /lib/modules/legolog_bugs.ko action=abba
	sleep 14
	;;
ubsan-bounds)
	note "insmod /lib/modules/legolog_bugs.ko action=array-bounds"
	insmod /lib/modules/legolog_bugs.ko action=array-bounds
	sleep 1
	;;
*)
	note "unknown scenario '$scenario'"
	;;
esac
for s in .text .text.unlikely .init.text .exit.text .rodata .data; do
	[ -r "/sys/module/legolog_bugs/sections/$s" ] &&
		note "legolog_bugs section $s=$(cat /sys/module/legolog_bugs/sections/$s)"
done
finish
