//! CPU pinning (`--pin`): which CPU a measured child is bound to, and binding it before exec.

use std::io;

/// The CPU to pin measured children to: the highest-numbered one this process may run on.
/// CPU 0 takes most device interrupts on a typical Linux machine, so it is the last choice.
pub(crate) fn pick_cpu() -> io::Result<usize> {
    allowed_cpus()?
        .last()
        .copied()
        .ok_or_else(|| io::Error::other("this process may run on no CPU at all"))
}

/// The CPUs this process may run on (`sched_getaffinity`), in ascending order.
pub(crate) fn allowed_cpus() -> io::Result<Vec<usize>> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((0..libc::CPU_SETSIZE as usize)
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect())
}

/// The affinity mask of exactly `cpu`, built before fork so the child only makes a syscall.
pub(super) fn single_cpu_set(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: plain data, then set one bit within CPU_SETSIZE (checked by the caller's pick).
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(cpu, &mut set) };
    set
}

/// Binds the calling process; async-signal-safe, for `pre_exec`.
pub(super) fn bind(set: &libc::cpu_set_t) -> io::Result<()> {
    // SAFETY: a syscall on our own (the child's) pid with a valid mask.
    let r = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_an_allowed_cpu() {
        let cpus = allowed_cpus().unwrap();
        assert!(!cpus.is_empty());
        assert!(cpus.contains(&pick_cpu().unwrap()));
    }
}
