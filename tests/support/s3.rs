//! A private moto with one bucket of a test's own, and a client to check what the binary wrote.

use crate::support::Cli;

/// A private moto with one bucket of this test's own.
pub struct S3 {
    pub moto: crate::support::Moto,
    pub client: aws_sdk_s3::Client,
    pub bucket: String,
}

impl S3 {
    pub async fn start() -> S3 {
        let moto = crate::support::Moto::start();
        let client = moto.s3().await;
        let bucket = crate::support::unique_name("bkt").to_lowercase();
        client.create_bucket().bucket(&bucket).send().await.unwrap_or_else(|e| panic!("create bucket {bucket}: {e:?}"));
        S3 { moto, client, bucket }
    }

    /// `cli` writing its files to `s3://BUCKET/prefix/` on this moto.
    pub fn point(&self, cli: Cli) -> Cli {
        cli.env("AWS_ENDPOINT_URL", self.moto.endpoint()).env("OUTPUT_URL", format!("s3://{}/prefix/", self.bucket))
    }

    pub async fn get(&self, key: &str) -> Vec<u8> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("get s3://{}/{key}: {e:?}", self.bucket));
        out.body.collect().await.unwrap_or_else(|e| panic!("read s3://{}/{key}: {e}", self.bucket)).to_vec()
    }

    /// Every key in the bucket, sorted.
    pub async fn keys(&self) -> Vec<String> {
        let out =
            self.client.list_objects_v2().bucket(&self.bucket).send().await.unwrap_or_else(|e| panic!("list: {e:?}"));
        let mut keys: Vec<String> = out.contents().iter().filter_map(|o| o.key().map(str::to_owned)).collect();
        keys.sort();
        keys
    }

    /// Multipart uploads started and neither completed nor aborted.
    pub async fn open_uploads(&self) -> usize {
        let out = self
            .client
            .list_multipart_uploads()
            .bucket(&self.bucket)
            .send()
            .await
            .unwrap_or_else(|e| panic!("list multipart uploads: {e:?}"));
        out.uploads().len()
    }
}
