//! `TaskSpawner` on the Tokio runtime the server runs on.

use application::ports::{BackgroundTask, TaskSpawner};
use tracing::Instrument;

/// Spawns each task on the current Tokio runtime, inside the caller's span.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioTasks;

impl TaskSpawner for TokioTasks {
    fn spawn(&self, task: BackgroundTask) {
        tokio::spawn(task.instrument(tracing::Span::current()));
    }
}
