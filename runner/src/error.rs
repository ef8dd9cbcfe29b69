//! The one place that maps every error to an exit code and a hint.

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Infra(#[from] intervalprocessing_infra::InfraError),
}

impl AppError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Infra(e) => e.exit_code(),
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            AppError::Infra(e) => e.hint(),
        }
    }
}
