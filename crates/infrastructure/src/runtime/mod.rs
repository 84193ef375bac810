//! The runtime's ports: the wall clock and the spawning of background tasks on tokio.

mod system_clock;
mod tokio_tasks;

pub use system_clock::SystemClock;
pub use tokio_tasks::TokioTasks;
