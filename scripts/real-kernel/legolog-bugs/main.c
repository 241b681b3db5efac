// SPDX-License-Identifier: GPL-2.0
/*
 * legolog_bugs: kernel reports that Debian's stock 6.1 kernel can print but lkdtm cannot
 * provoke there, built out of tree like lkdtm for legolog's real-kernel fixtures
 * (scripts/real-kernel/capture.sh). One action per load: insmod legolog_bugs.ko action=NAME.
 *
 *   atomic-sleep  msleep() with preemption disabled. schedule_debug() in kernel/sched/core.c
 *                 then prints __schedule_bug()'s "BUG: scheduling while atomic". might_sleep()'s
 *                 own "BUG: sleeping function called from invalid context" (__might_resched)
 *                 needs CONFIG_DEBUG_ATOMIC_SLEEP, which Debian does not set.
 *   abba          two kthreads take two mutexes in opposite orders: an AB-BA deadlock.
 *                 lockdep ("WARNING: possible circular locking dependency detected") needs
 *                 CONFIG_PROVE_LOCKING, which Debian does not set; the hung-task detector
 *                 (kernel/hung_task.c) reports both tasks instead.
 *   array-bounds  lkdtm's ARRAY_BOUNDS, in bounds.c built with -fsanitize=bounds. Debian has
 *                 "# CONFIG_UBSAN is not set", so the handlers are the kernel's lib/ubsan.c
 *                 compiled into this module (ubsan.c, copied and patched by capture.sh).
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/string.h>

static char *action = "";
module_param(action, charp, 0444);
MODULE_PARM_DESC(action, "atomic-sleep, abba or array-bounds");

void legolog_array_bounds(void);

static noinline void legolog_sleep_in_atomic(void)
{
	preempt_disable();
	msleep(20);
	/*
	 * __schedule_bug() set the count back to what schedule() expects, so it is 0 again
	 * here: balance only what is still held.
	 */
	if (preempt_count())
		preempt_enable();
}

static DEFINE_MUTEX(legolog_lock_a);
static DEFINE_MUTEX(legolog_lock_b);
static DECLARE_COMPLETION(legolog_a_held);
static DECLARE_COMPLETION(legolog_b_held);

static noinline int legolog_abba_ab(void *unused)
{
	mutex_lock(&legolog_lock_a);
	complete(&legolog_a_held);
	wait_for_completion(&legolog_b_held);
	mutex_lock(&legolog_lock_b);
	pr_err("legolog_bugs: legolog-ab got both locks\n");
	mutex_unlock(&legolog_lock_b);
	mutex_unlock(&legolog_lock_a);
	return 0;
}

static noinline int legolog_abba_ba(void *unused)
{
	mutex_lock(&legolog_lock_b);
	complete(&legolog_b_held);
	wait_for_completion(&legolog_a_held);
	mutex_lock(&legolog_lock_a);
	pr_err("legolog_bugs: legolog-ba got both locks\n");
	mutex_unlock(&legolog_lock_a);
	mutex_unlock(&legolog_lock_b);
	return 0;
}

static int __init legolog_bugs_init(void)
{
	pr_info("legolog_bugs: action=%s\n", action);
	if (!strcmp(action, "atomic-sleep")) {
		legolog_sleep_in_atomic();
	} else if (!strcmp(action, "abba")) {
		kthread_run(legolog_abba_ab, NULL, "legolog-ab");
		kthread_run(legolog_abba_ba, NULL, "legolog-ba");
	} else if (!strcmp(action, "array-bounds")) {
		legolog_array_bounds();
	} else {
		pr_err("legolog_bugs: unknown action '%s'\n", action);
		return -EINVAL;
	}
	return 0;
}
module_init(legolog_bugs_init);

MODULE_DESCRIPTION("Kernel reports for legolog's real-kernel fixtures");
MODULE_LICENSE("GPL");
