//! S3 output: a multipart upload sent part by part and completed only at the end, SSE-S3 requested.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, ServerSideEncryption};
use aws_smithy_types::error::display::DisplayErrorContext;
use tokio_util::sync::CancellationToken;

use super::error::StoreError;
use super::key::ObjectKey;
use crate::retry::{RetryPolicy, retry};

/// Parts are sent when this full (S3's minimum is 5 MiB for every part but the last).
pub const PART_SIZE: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
    prefix: String,
    retry: RetryPolicy,
    /// Cancels retry backoffs when the run is asked to stop.
    cancel: CancellationToken,
}

pub struct S3Upload {
    store: S3Store,
    key: String,
    upload_id: String,
    buf: Vec<u8>,
    parts: Vec<CompletedPart>,
    bytes: u64,
}

/// Turns an SDK error into a [`StoreError`], deciding whether it is worth retrying.
fn s3_error<E, R>(action: &'static str, url: &str) -> impl FnOnce(SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + HttpStatus,
{
    let url = url.to_owned();
    move |e| {
        let transient = match &e {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(s) => {
                let status = s.raw().status_code();
                status >= 500
                    || status == 429
                    || matches!(s.err().code(), Some("SlowDown" | "RequestTimeout" | "InternalError"))
            }
            _ => false,
        };
        StoreError::S3 { action, url, message: DisplayErrorContext(&e).to_string(), transient }
    }
}

/// The HTTP status of a raw response, whatever its type.
pub trait HttpStatus {
    fn status_code(&self) -> u16;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

impl S3Store {
    pub fn new(
        client: Client,
        bucket: String,
        prefix: String,
        retry: RetryPolicy,
        cancel: CancellationToken,
    ) -> S3Store {
        S3Store { client, bucket, prefix, retry, cancel }
    }

    fn full_key(&self, key: &ObjectKey) -> String {
        format!("{}{}", self.prefix, key)
    }

    pub fn url_of(&self, key: &ObjectKey) -> String {
        format!("s3://{}/{}", self.bucket, self.full_key(key))
    }

    pub async fn start(&self, key: &ObjectKey, content_type: &'static str) -> Result<S3Upload, StoreError> {
        let full = self.full_key(key);
        let url = self.url_of(key);
        let out = retry(self.retry, "s3 create multipart upload", &self.cancel, StoreError::is_transient, || async {
            self.client
                .create_multipart_upload()
                .bucket(&self.bucket)
                .key(&full)
                .content_type(content_type)
                .server_side_encryption(ServerSideEncryption::Aes256)
                .send()
                .await
                .map_err(s3_error("starting upload of", &url))
        })
        .await?;
        let upload_id = out.upload_id.ok_or_else(|| StoreError::S3 {
            action: "starting upload of",
            url: url.clone(),
            message: "the response carried no upload id".into(),
            transient: false,
        })?;
        Ok(S3Upload {
            store: self.clone(),
            key: full,
            upload_id,
            buf: Vec::with_capacity(PART_SIZE),
            parts: Vec::new(),
            bytes: 0,
        })
    }

    pub async fn put(&self, key: &ObjectKey, body: Vec<u8>, content_type: &'static str) -> Result<(), StoreError> {
        let full = self.full_key(key);
        let url = self.url_of(key);
        retry(self.retry, "s3 put object", &self.cancel, StoreError::is_transient, || async {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&full)
                .content_type(content_type)
                .server_side_encryption(ServerSideEncryption::Aes256)
                .body(ByteStream::from(body.clone()))
                .send()
                .await
                .map(|_| ())
                .map_err(s3_error("writing", &url))
        })
        .await
    }

    /// Aborts every multipart upload of exactly this key (we hold the process lease, so any
    /// such upload belongs to a run that died).
    pub async fn abort_stale(&self, key: &ObjectKey) -> Result<u32, StoreError> {
        let full = self.full_key(key);
        let url = self.url_of(key);
        let listed = retry(self.retry, "s3 list multipart uploads", &self.cancel, StoreError::is_transient, || async {
            self.client
                .list_multipart_uploads()
                .bucket(&self.bucket)
                .prefix(&full)
                .send()
                .await
                .map_err(s3_error("listing unfinished uploads of", &url))
        })
        .await?;
        let mut aborted = 0;
        for up in listed.uploads() {
            let (Some(k), Some(id)) = (up.key(), up.upload_id()) else { continue };
            if k != full {
                continue;
            }
            abort(&self.client, &self.bucket, k, id).await.map_err(s3_error("aborting a stale upload of", &url))?;
            aborted += 1;
        }
        Ok(aborted)
    }
}

async fn abort(
    client: &Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<
    (),
    SdkError<
        aws_sdk_s3::operation::abort_multipart_upload::AbortMultipartUploadError,
        aws_smithy_runtime_api::http::Response,
    >,
> {
    client.abort_multipart_upload().bucket(bucket).key(key).upload_id(upload_id).send().await.map(|_| ())
}

impl S3Upload {
    fn url(&self) -> String {
        format!("s3://{}/{}", self.store.bucket, self.key)
    }

    pub async fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        self.buf.extend_from_slice(data);
        self.bytes += data.len() as u64;
        while self.buf.len() >= PART_SIZE {
            let rest = self.buf.split_off(PART_SIZE);
            let part = std::mem::replace(&mut self.buf, rest);
            self.send_part(part).await?;
        }
        Ok(())
    }

    async fn send_part(&mut self, part: Vec<u8>) -> Result<(), StoreError> {
        let number = i32::try_from(self.parts.len() + 1).unwrap_or(i32::MAX);
        let url = self.url();
        let s = &self.store;
        let out = retry(s.retry, "s3 upload part", &s.cancel, StoreError::is_transient, || async {
            s.client
                .upload_part()
                .bucket(&s.bucket)
                .key(&self.key)
                .upload_id(&self.upload_id)
                .part_number(number)
                .body(ByteStream::from(part.clone()))
                .send()
                .await
                .map_err(s3_error("uploading a part of", &url))
        })
        .await?;
        self.parts.push(CompletedPart::builder().part_number(number).set_e_tag(out.e_tag).build());
        Ok(())
    }

    /// Sends what is buffered as the last part. The last part may be small; an empty object still
    /// needs one (empty) part.
    pub async fn flush(&mut self) -> Result<(), StoreError> {
        if !self.buf.is_empty() || self.parts.is_empty() {
            let last = std::mem::take(&mut self.buf);
            self.send_part(last).await?;
        }
        Ok(())
    }

    pub async fn finish(mut self) -> Result<u64, StoreError> {
        self.flush().await?;
        let url = self.url();
        let s = &self.store;
        let parts = CompletedMultipartUpload::builder().set_parts(Some(self.parts.clone())).build();
        let mut attempt = 0u32;
        let done = retry(s.retry, "s3 complete multipart upload", &s.cancel, StoreError::is_transient, || {
            attempt += 1;
            let retried = attempt > 1;
            let (url, parts, key, upload_id) = (&url, parts.clone(), &self.key, &self.upload_id);
            async move {
                let sent = s
                    .client
                    .complete_multipart_upload()
                    .bucket(&s.bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .multipart_upload(parts)
                    .send()
                    .await;
                match sent {
                    Ok(_) => Ok(()),
                    // The upload is gone, and only this run (it holds the process lease) completes
                    // or aborts it: an earlier attempt completed it and its answer was lost.
                    Err(e) if retried && e.code() == Some("NoSuchUpload") => {
                        tracing::info!(url = %url, "the upload was completed by an earlier attempt whose answer was lost");
                        Ok(())
                    }
                    Err(e) => Err(s3_error("completing upload of", url)(e)),
                }
            }
        })
        .await;
        match done {
            Ok(()) => Ok(self.bytes),
            Err(e) => {
                // Leave nothing open behind a failure.
                let _ = abort(&s.client, &s.bucket, &self.key, &self.upload_id).await;
                Err(e)
            }
        }
    }

    pub async fn abort(self) -> Result<(), StoreError> {
        let url = self.url();
        abort(&self.store.client, &self.store.bucket, &self.key, &self.upload_id)
            .await
            .map_err(s3_error("aborting upload of", &url))
    }
}
