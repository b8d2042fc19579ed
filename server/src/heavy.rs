//! CPU-heavy work (validating and compiling workspace documents, password
//! hashes) runs on the blocking pool, a bounded number at a time: however many
//! admins ask at once, the async workers keep serving the data plane and the
//! rest of the work waits its turn. Each kind has its own pool so a flood of
//! validations does not delay sign-ins, and the other way round.

use std::sync::OnceLock;

use tokio::sync::Semaphore;

use crate::error::{ServiceError, ServiceResult};

#[derive(Clone, Copy)]
pub enum Pool {
    /// Validation, compilation and import of workspace documents.
    Compile,
    /// argon2id hashes and checks (~19 MiB and tens of milliseconds each).
    Hash,
}

/// Half the cores, at least one: the other half stays for requests.
fn permits() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

fn semaphore(pool: Pool) -> &'static Semaphore {
    static COMPILE: OnceLock<Semaphore> = OnceLock::new();
    static HASH: OnceLock<Semaphore> = OnceLock::new();
    let cell = match pool {
        Pool::Compile => &COMPILE,
        Pool::Hash => &HASH,
    };
    cell.get_or_init(|| Semaphore::new(permits()))
}

/// Runs `work` on a blocking thread once `pool` has room for it.
pub async fn run<T: Send + 'static>(pool: Pool, work: impl FnOnce() -> T + Send + 'static) -> ServiceResult<T> {
    let _turn = semaphore(pool).acquire().await.map_err(ServiceError::internal)?;
    tokio::task::spawn_blocking(move || {
        let done = work();
        // The work's large buffers are free now; an idle server should not keep them.
        crate::memory::give_back();
        done
    })
    .await
    .map_err(ServiceError::internal)
}
