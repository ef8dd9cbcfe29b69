//! Connecting to MongoDB and building the output store, with errors that say what to check.

use std::time::Duration;

use intervalprocessing_jobs::error_text::describe;
use intervalprocessing_jobs::store::{FileStore, S3Store};
use intervalprocessing_jobs::task_env;
use intervalprocessing_jobs::{ObjectStore, OutputUrl, RetryPolicy};
use mongodb::bson::doc;
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::error::AppError;
use crate::secret;

/// How long to look for a usable server before an operation fails (unless the URI sets
/// `serverSelectionTimeoutMS`). Short, so an outage is reported quickly and retried by us.
const SERVER_SELECTION: Duration = Duration::from_secs(10);

/// How hard to try before calling MongoDB unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// A run or a command that needs the database: bounded retries, 10 s server selection each.
    Work,
    /// Optional information (the ledger line of `infra status`): one 3 s attempt.
    Glance,
}

/// Connects and pings, so an unreachable or misconfigured server is reported before any work.
pub async fn mongo(cfg: &Config) -> Result<Database, AppError> {
    mongo_with(cfg, Patience::Work).await
}

pub async fn mongo_with(cfg: &Config, patience: Patience) -> Result<Database, AppError> {
    let (selection, policy) = match patience {
        Patience::Work => (SERVER_SELECTION, RetryPolicy::default()),
        Patience::Glance => (Duration::from_secs(3), RetryPolicy { attempts: 1, ..RetryPolicy::default() }),
    };
    let uri = cfg.mongodb_uri.expose();
    // A driver error as text, without any piece of the URI's credentials.
    let scrubbed = |e: &mongodb::error::Error| secret::scrub_with(&describe(e), &secret::secrets(uri)).into_owned();
    let unreachable = |e: mongodb::error::Error| AppError::MongoUnreachable {
        uri: cfg.mongodb_uri.to_string(),
        message: scrubbed(&e),
    };
    let mut opts = ClientOptions::parse(uri).await.map_err(|e| AppError::Config {
        var: "MONGODB_URI",
        value: cfg.mongodb_uri.to_string(),
        reason: secret::parse_failure(uri, &e),
    })?;
    opts.app_name.get_or_insert_with(|| "intervalprocessing".to_owned());
    opts.server_selection_timeout.get_or_insert(selection);
    opts.connect_timeout.get_or_insert(selection);
    let client = Client::with_options(opts).map_err(unreachable)?;
    let db = client.database(&cfg.mongodb_database);
    let cancel = CancellationToken::new();
    intervalprocessing_jobs::retry::retry(
        policy,
        "mongodb ping",
        &cancel,
        intervalprocessing_jobs::retry::mongo_is_transient,
        || async { db.run_command(doc! { "ping": 1 }).await },
    )
    .await
    .map_err(|e| match *e.kind {
        // Not an outage: the server answered and refused the credentials. Fix the setting.
        mongodb::error::ErrorKind::Authentication { .. } => AppError::Config {
            var: "MONGODB_URI",
            value: cfg.mongodb_uri.to_string(),
            reason: format!("the server refused its user name or password ({})", scrubbed(&e)),
        },
        _ => unreachable(e),
    })?;
    Ok(db)
}

/// The store `OUTPUT_URL` points at. S3 honours the SDK's usual configuration; with
/// `AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_S3` set (a local stand-in) it uses path-style
/// addressing ([`task_env::s3_path_style`], the rule `infra` follows too).
pub async fn store(cfg: &Config, cancel: CancellationToken) -> ObjectStore {
    match &cfg.output_url {
        OutputUrl::File { root } => ObjectStore::File(FileStore::new(root.clone())),
        OutputUrl::S3 { bucket, prefix } => {
            // An endpoint that accepts connections but never answers fails the attempt instead of
            // hanging until the run's deadline. Retrying is ours alone (classified, logged, cut
            // short by a stop): two layers would multiply into minutes.
            let timeouts = aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .read_timeout(Duration::from_secs(30))
                .operation_attempt_timeout(Duration::from_secs(120))
                .build();
            let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .timeout_config(timeouts)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .load()
                .await;
            let conf =
                aws_sdk_s3::config::Builder::from(&sdk).force_path_style(task_env::s3_path_style_from_env()).build();
            let client = aws_sdk_s3::Client::from_conf(conf);
            ObjectStore::S3(S3Store::new(client, bucket.clone(), prefix.clone(), RetryPolicy::default(), cancel))
        }
    }
}
