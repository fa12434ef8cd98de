//! Keeps one run on one CPU. A run is one thread of control: each of hearth's SQL
//! statements is handed to SQLite's own thread (one per connection, in sqlx) and its
//! answer handed back, about 70 hops a step, with the other side asleep meanwhile.
//! Across two cores each hop wakes a sleeping core, and the kernel's side of that was a
//! third of a run's time; on one core a hop is a plain switch. The run's thread is
//! pinned to the least used of the CPUs it may use, before its connections are
//! opened, so SQLite's threads (which take their creator's CPUs) are pinned with it;
//! runs side by side (the test harness's threads) go to different CPUs when there are
//! enough. The run's thread (and so SQLite's) is also scheduled as a batch job
//! (`SCHED_BATCH`): a thread woken by another on its CPU then waits for it to sleep,
//! instead of taking the CPU at once, so SQLite hands over a statement's rows (up to
//! fifty, sqlx's channel) before the run reads them, not one switch a row; it took
//! about a tenth off each seed. Only where and when the work runs changes, never what
//! it does: a pinned run replays as any other. `SIM_NO_PIN=1` turns both off; off
//! Linux they do nothing.

/// Pinned to a CPU until dropped, then free to run anywhere again.
pub struct Pinned {
    #[cfg(target_os = "linux")]
    held: Option<(usize, linux::CpuSet)>,
    /// Whether the thread was made a batch job (and goes back to the usual policy).
    #[cfg(target_os = "linux")]
    batch: bool,
}

/// Pins the calling thread (see the module's header).
pub fn pin() -> Pinned {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os("SIM_NO_PIN").is_some() {
            return Pinned {
                held: None,
                batch: false,
            };
        }
        Pinned {
            held: linux::pin(),
            batch: linux::batch(true),
        }
    }
    #[cfg(not(target_os = "linux"))]
    Pinned {}
}

impl Drop for Pinned {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some((cpu, before)) = self.held.take() {
            linux::unpin(cpu, &before);
        }
        #[cfg(target_os = "linux")]
        if self.batch {
            linux::batch(false);
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::sync::Mutex;

    /// glibc's `cpu_set_t`: a bit for each of 1024 CPUs.
    #[derive(Clone, Copy)]
    #[repr(C)]
    pub struct CpuSet([u64; 16]);

    /// glibc's `struct sched_param`.
    #[repr(C)]
    struct SchedParam {
        priority: i32,
    }

    const SCHED_OTHER: i32 = 0;
    const SCHED_BATCH: i32 = 3;

    extern "C" {
        fn sched_getaffinity(pid: i32, size: usize, set: *mut CpuSet) -> i32;
        fn sched_setaffinity(pid: i32, size: usize, set: *const CpuSet) -> i32;
        fn sched_getscheduler(pid: i32) -> i32;
        fn sched_setscheduler(pid: i32, policy: i32, param: *const SchedParam) -> i32;
    }

    /// Makes this thread a batch job (`on`) or an ordinary one again; true if it
    /// changed. Only a thread of the ordinary policy is made a batch job.
    pub fn batch(on: bool) -> bool {
        let (from, to) = if on {
            (SCHED_OTHER, SCHED_BATCH)
        } else {
            (SCHED_BATCH, SCHED_OTHER)
        };
        let param = SchedParam { priority: 0 };
        // SAFETY: pid 0 is this thread; the kernel only reads `param`, which lives
        // across the call.
        unsafe { sched_getscheduler(0) == from && sched_setscheduler(0, to, &param) == 0 }
    }

    /// Runs pinned to each CPU now, by CPU number.
    static USERS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

    fn get() -> Option<CpuSet> {
        let mut set = CpuSet([0; 16]);
        // SAFETY: `set` is a live `cpu_set_t` of the size given; pid 0 is this thread.
        let ok = unsafe { sched_getaffinity(0, std::mem::size_of::<CpuSet>(), &mut set) } == 0;
        ok.then_some(set)
    }

    fn set(set: &CpuSet) -> bool {
        // SAFETY: as in `get`; the kernel only reads the set.
        unsafe { sched_setaffinity(0, std::mem::size_of::<CpuSet>(), set) == 0 }
    }

    pub fn pin() -> Option<(usize, CpuSet)> {
        let before = get()?;
        let allowed: Vec<usize> = (0..1024)
            .filter(|cpu| before.0[cpu / 64] & (1 << (cpu % 64)) != 0)
            .collect();
        if allowed.len() < 2 {
            return None;
        }
        let mut users = USERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if users.len() < 1024 {
            users.resize(1024, 0);
        }
        let cpu = *allowed.iter().min_by_key(|cpu| users[**cpu])?;
        let mut only = CpuSet([0; 16]);
        only.0[cpu / 64] |= 1 << (cpu % 64);
        if !set(&only) {
            return None;
        }
        users[cpu] += 1;
        Some((cpu, before))
    }

    pub fn unpin(cpu: usize, before: &CpuSet) {
        set(before);
        let mut users = USERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(n) = users.get_mut(cpu) {
            *n = n.saturating_sub(1);
        }
    }
}
