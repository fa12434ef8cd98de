//! Commit faults on hearth's own connections. hearth opens its database through sqlx's
//! `Any` driver, which gives no way to reach SQLite's handle, so the hook is put on
//! every connection as SQLite opens it (an auto-extension) and finds its world by
//! the file the connection opened.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Once};

use libsqlite3_sys as ffi;

use super::CommitFaults;

/// Every file with commit faults, and its faults; kept for the process's life, so a
/// hook's pointer never dangles.
static WORLDS: Mutex<Vec<(PathBuf, Arc<CommitFaults>)>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

/// From now on, each connection opened to `path` counts its commits in `faults` and
/// refuses the one `faults.veto_at` names.
pub(super) fn watch(path: &Path, faults: Arc<CommitFaults>) {
    INSTALL.call_once(|| {
        // SAFETY: `on_open` has the signature SQLite calls auto-extensions with.
        unsafe {
            ffi::sqlite3_auto_extension(Some(on_open));
        }
    });
    let path = canonical(path);
    let mut worlds = WORLDS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    worlds.retain(|(known, _)| known != &path);
    worlds.push((path, faults));
}

fn canonical(path: &Path) -> PathBuf {
    match (
        path.parent().and_then(|dir| dir.canonicalize().ok()),
        path.file_name(),
    ) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

unsafe extern "C" fn on_open(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: SQLite hands a connection that is open; "main" is always attached.
    let name = unsafe { ffi::sqlite3_db_filename(db, c"main".as_ptr()) };
    if name.is_null() {
        return ffi::SQLITE_OK;
    }
    // SAFETY: a non-null filename is a NUL-terminated string owned by the connection.
    let Ok(name) = (unsafe { CStr::from_ptr(name) }).to_str() else {
        return ffi::SQLITE_OK;
    };
    let path = canonical(Path::new(name));
    let worlds = WORLDS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, faults)) = worlds.iter().find(|(known, _)| known == &path) {
        let faults: *const CommitFaults = Arc::as_ptr(faults);
        // SAFETY: the faults live in `WORLDS` for the process's life.
        unsafe {
            ffi::sqlite3_commit_hook(db, Some(on_commit), faults as *mut c_void);
        }
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn on_commit(faults: *mut c_void) -> c_int {
    // SAFETY: the pointer was made from an `Arc<CommitFaults>` kept in `WORLDS`.
    let commits = unsafe { &*(faults as *const CommitFaults) };
    let n = commits.count.fetch_add(1, Ordering::SeqCst) + 1;
    if commits.veto_at.load(Ordering::SeqCst) == n {
        commits.vetoed.store(true, Ordering::SeqCst);
        // Non-zero turns the commit into a rollback.
        return 1;
    }
    0
}
