// SPDX-License-Identifier: GPL-2.0
#line 3 "legolog-bugs/bounds.c"
/*
 * lkdtm_ARRAY_BOUNDS (drivers/misc/lkdtm/bugs.c), compiled with -fsanitize=bounds (Kbuild):
 * the write to checked->data[8] calls __ubsan_handle_out_of_bounds, which prints
 * "UBSAN: array-index-out-of-bounds in …" (lib/ubsan.c). The #line above: the report names
 * the file as the compiler was given it, an absolute path of the build directory that
 * -ffile-prefix-map does not reach; this makes it tree-relative, as in a kernel-tree build.
 */
#include <linux/kernel.h>
#include <linux/slab.h>

struct array_bounds_flex_array {
	int one;
	int two;
	char data[1];
};

struct array_bounds {
	int one;
	int two;
	char data[8];
	int three;
};

void legolog_array_bounds(void);

noinline void legolog_array_bounds(void)
{
	struct array_bounds_flex_array *not_checked;
	struct array_bounds *checked;
	volatile int i;

	not_checked = kmalloc(sizeof(*not_checked) * 2, GFP_KERNEL);
	checked = kmalloc(sizeof(*checked) * 2, GFP_KERNEL);
	if (!not_checked || !checked) {
		kfree(not_checked);
		kfree(checked);
		return;
	}

	pr_info("Array access within bounds ...\n");
	/* For both, touch all bytes in the actual member size. */
	for (i = 0; i < sizeof(checked->data); i++)
		checked->data[i] = 'A';
	/*
	 * For the uninstrumented flex array member, also touch 1 byte
	 * beyond to verify it is correctly uninstrumented.
	 */
	for (i = 0; i < sizeof(not_checked->data) + 1; i++)
		not_checked->data[i] = 'A';

	pr_info("Array access beyond bounds ...\n");
	for (i = 0; i < sizeof(checked->data) + 1; i++)
		checked->data[i] = 'B';

	kfree(not_checked);
	kfree(checked);
}
