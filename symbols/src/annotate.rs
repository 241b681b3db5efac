//! Explaining a register value: errno, NULL, poison, and which part of the x86-64 address space
//! it points into.

/// Linux errno names, indexed by number (asm-generic `errno-base.h` and `errno.h`).
const ERRNO: [Option<&str>; 134] = [
    None,
    Some("EPERM"),
    Some("ENOENT"),
    Some("ESRCH"),
    Some("EINTR"),
    Some("EIO"),
    Some("ENXIO"),
    Some("E2BIG"),
    Some("ENOEXEC"),
    Some("EBADF"),
    Some("ECHILD"),
    Some("EAGAIN"),
    Some("ENOMEM"),
    Some("EACCES"),
    Some("EFAULT"),
    Some("ENOTBLK"),
    Some("EBUSY"),
    Some("EEXIST"),
    Some("EXDEV"),
    Some("ENODEV"),
    Some("ENOTDIR"),
    Some("EISDIR"),
    Some("EINVAL"),
    Some("ENFILE"),
    Some("EMFILE"),
    Some("ENOTTY"),
    Some("ETXTBSY"),
    Some("EFBIG"),
    Some("ENOSPC"),
    Some("ESPIPE"),
    Some("EROFS"),
    Some("EMLINK"),
    Some("EPIPE"),
    Some("EDOM"),
    Some("ERANGE"),
    Some("EDEADLK"),
    Some("ENAMETOOLONG"),
    Some("ENOLCK"),
    Some("ENOSYS"),
    Some("ENOTEMPTY"),
    Some("ELOOP"),
    None,
    Some("ENOMSG"),
    Some("EIDRM"),
    Some("ECHRNG"),
    Some("EL2NSYNC"),
    Some("EL3HLT"),
    Some("EL3RST"),
    Some("ELNRNG"),
    Some("EUNATCH"),
    Some("ENOCSI"),
    Some("EL2HLT"),
    Some("EBADE"),
    Some("EBADR"),
    Some("EXFULL"),
    Some("ENOANO"),
    Some("EBADRQC"),
    Some("EBADSLT"),
    None,
    Some("EBFONT"),
    Some("ENOSTR"),
    Some("ENODATA"),
    Some("ETIME"),
    Some("ENOSR"),
    Some("ENONET"),
    Some("ENOPKG"),
    Some("EREMOTE"),
    Some("ENOLINK"),
    Some("EADV"),
    Some("ESRMNT"),
    Some("ECOMM"),
    Some("EPROTO"),
    Some("EMULTIHOP"),
    Some("EDOTDOT"),
    Some("EBADMSG"),
    Some("EOVERFLOW"),
    Some("ENOTUNIQ"),
    Some("EBADFD"),
    Some("EREMCHG"),
    Some("ELIBACC"),
    Some("ELIBBAD"),
    Some("ELIBSCN"),
    Some("ELIBMAX"),
    Some("ELIBEXEC"),
    Some("EILSEQ"),
    Some("ERESTART"),
    Some("ESTRPIPE"),
    Some("EUSERS"),
    Some("ENOTSOCK"),
    Some("EDESTADDRREQ"),
    Some("EMSGSIZE"),
    Some("EPROTOTYPE"),
    Some("ENOPROTOOPT"),
    Some("EPROTONOSUPPORT"),
    Some("ESOCKTNOSUPPORT"),
    Some("EOPNOTSUPP"),
    Some("EPFNOSUPPORT"),
    Some("EAFNOSUPPORT"),
    Some("EADDRINUSE"),
    Some("EADDRNOTAVAIL"),
    Some("ENETDOWN"),
    Some("ENETUNREACH"),
    Some("ENETRESET"),
    Some("ECONNABORTED"),
    Some("ECONNRESET"),
    Some("ENOBUFS"),
    Some("EISCONN"),
    Some("ENOTCONN"),
    Some("ESHUTDOWN"),
    Some("ETOOMANYREFS"),
    Some("ETIMEDOUT"),
    Some("ECONNREFUSED"),
    Some("EHOSTDOWN"),
    Some("EHOSTUNREACH"),
    Some("EALREADY"),
    Some("EINPROGRESS"),
    Some("ESTALE"),
    Some("EUCLEAN"),
    Some("ENOTNAM"),
    Some("ENAVAIL"),
    Some("EISNAM"),
    Some("EREMOTEIO"),
    Some("EDQUOT"),
    Some("ENOMEDIUM"),
    Some("EMEDIUMTYPE"),
    Some("ECANCELED"),
    Some("ENOKEY"),
    Some("EKEYEXPIRED"),
    Some("EKEYREVOKED"),
    Some("EKEYREJECTED"),
    Some("EOWNERDEAD"),
    Some("ENOTRECOVERABLE"),
    Some("ERFKILL"),
    Some("EHWPOISON"),
];

/// Kernel-internal errno names from `include/linux/errno.h`, starting at 512.
const KERNEL_ERRNO: [Option<&str>; 20] = [
    Some("ERESTARTSYS"),
    Some("ERESTARTNOINTR"),
    Some("ERESTARTNOHAND"),
    Some("ENOIOCTLCMD"),
    Some("ERESTART_RESTARTBLOCK"),
    Some("EPROBE_DEFER"),
    Some("EOPENSTALE"),
    Some("ENOPARAM"),
    None,
    Some("EBADHANDLE"),
    Some("ENOTSYNC"),
    Some("EBADCOOKIE"),
    Some("ENOTSUPP"),
    Some("ETOOSMALL"),
    Some("ESERVERFAULT"),
    Some("EBADTYPE"),
    Some("EJUKEBOX"),
    Some("EIOCBQUEUED"),
    Some("ERECALLCONFLICT"),
    Some("ENOGRACE"),
];

/// Address-space regions of x86-64 with 4-level paging. The direct-map region spans both the
/// pre-4.20 base (0xffff880000000000, LegoOS) and the current one (0xffff888000000000).
const REGIONS: [(u64, u64, &str); 6] = [
    (0xffff_8800_0000_0000, 0xffff_c800_0000_0000, "direct map"),
    (
        0xffff_c900_0000_0000,
        0xffff_e900_0000_0000,
        "vmalloc/ioremap",
    ),
    (
        0xffff_ea00_0000_0000,
        0xffff_eb00_0000_0000,
        "vmemmap (struct page)",
    ),
    (0xffff_ffff_8000_0000, 0xffff_ffff_a000_0000, "kernel image"),
    (0xffff_ffff_a000_0000, 0xffff_ffff_ff00_0000, "module space"),
    (0x0000_0000_0001_0000, 0x0000_8000_0000_0000, "user address"),
];

/// The name of the errno `n` (positive), e.g. `EAGAIN` for 11.
pub fn errno_name(n: u64) -> Option<&'static str> {
    let n = usize::try_from(n).ok()?;
    if let Some(name) = ERRNO.get(n) {
        return *name;
    }
    *KERNEL_ERRNO.get(n.checked_sub(512)?)?
}

/// Explains a register value without an ELF: `-EAGAIN` (64-bit or 32-bit sign-extended errno),
/// `NULL`, slab and list poison, or the address-space region it points into. `None` when nothing
/// useful can be said.
pub fn annotate_value(value: u64) -> Option<String> {
    if value >= 0u64.wrapping_sub(4095) {
        let n = 0u64.wrapping_sub(value);
        if let Some(name) = errno_name(n) {
            return Some(format!("-{name}"));
        }
    }
    if (0xffff_f001..=0xffff_ffff).contains(&value) {
        let n = 0x1_0000_0000 - value;
        if let Some(name) = errno_name(n) {
            return Some(format!("-{name} (32-bit)"));
        }
    }
    if let Some(poison) = poison(value) {
        return Some(poison.to_owned());
    }
    if value == 0 {
        return Some("NULL".to_owned());
    }
    if value < 4096 {
        return Some(format!("NULL + {value:#x}"));
    }
    for (start, end, name) in REGIONS {
        if (start..end).contains(&value) {
            return Some(name.to_owned());
        }
    }
    if (0x0000_8000_0000_0000..0xffff_8000_0000_0000).contains(&value) {
        return Some("non-canonical address".to_owned());
    }
    None
}

fn poison(value: u64) -> Option<&'static str> {
    match value {
        0xdead_0000_0000_0100 | 0x0010_0100 => return Some("LIST_POISON1 (list_del'd entry)"),
        0xdead_0000_0000_0122 | 0x0020_0200 => return Some("LIST_POISON2 (list_del'd entry)"),
        _ => {}
    }
    let bytes = value.to_le_bytes();
    let patterns: [(u8, &str); 3] = [
        (0x6b, "slab poison 0x6b (use after free)"),
        (0x5a, "slab poison 0x5a (uninitialized)"),
        (0xa5, "slab poison 0xa5 (end marker)"),
    ];
    for (byte, name) in patterns {
        let n_equal = bytes.iter().filter(|&&b| b == byte).count();
        let low_half_equal = bytes.iter().take(4).all(|&b| b == byte) && value >> 32 == 0;
        // A poisoned pointer plus a small offset still shows six poison bytes.
        if n_equal >= 6 || low_half_equal {
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names() {
        assert_eq!(
            annotate_value(0x00000000fffffff5).as_deref(),
            Some("-EAGAIN (32-bit)")
        );
        assert_eq!(
            annotate_value(0xfffffffffffffff4).as_deref(),
            Some("-ENOMEM")
        );
        assert_eq!(
            annotate_value(0u64.wrapping_sub(133)).as_deref(),
            Some("-EHWPOISON")
        );
        assert_eq!(
            annotate_value(0u64.wrapping_sub(512)).as_deref(),
            Some("-ERESTARTSYS")
        );
        assert_eq!(
            annotate_value(0u64.wrapping_sub(531)).as_deref(),
            Some("-ENOGRACE")
        );
        assert_eq!(errno_name(41), None);
        assert_eq!(errno_name(520), None);
    }

    #[test]
    fn poison_null_and_regions() {
        assert_eq!(
            annotate_value(0x6b6b6b6b6b6b6b6b).as_deref(),
            Some("slab poison 0x6b (use after free)")
        );
        assert_eq!(
            annotate_value(0x6b6b6b6b6b6b6b7b).as_deref(),
            Some("slab poison 0x6b (use after free)")
        );
        assert_eq!(
            annotate_value(0xdead000000000100).as_deref(),
            Some("LIST_POISON1 (list_del'd entry)")
        );
        assert_eq!(
            annotate_value(0xdead000000000122).as_deref(),
            Some("LIST_POISON2 (list_del'd entry)")
        );
        assert_eq!(annotate_value(0).as_deref(), Some("NULL"));
        assert_eq!(annotate_value(0x20).as_deref(), Some("NULL + 0x20"));
        assert_eq!(
            annotate_value(0xffff88103ef3f750).as_deref(),
            Some("direct map")
        );
        assert_eq!(
            annotate_value(0xffff888012345678).as_deref(),
            Some("direct map")
        );
        assert_eq!(
            annotate_value(0xffffc90000123000).as_deref(),
            Some("vmalloc/ioremap")
        );
        assert_eq!(
            annotate_value(0xffffffffc0a01234).as_deref(),
            Some("module space")
        );
        assert_eq!(
            annotate_value(0x00007ffd12345678).as_deref(),
            Some("user address")
        );
        assert_eq!(
            annotate_value(0x1234567812345678).as_deref(),
            Some("non-canonical address")
        );
    }
}
