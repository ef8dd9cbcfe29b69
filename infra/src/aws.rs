//! The AWS clients, configured from the deployment file's region and the standard SDK environment.

use aws_config::BehaviorVersion;

use crate::arns::Arns;
use crate::console::Console;
use crate::error::InfraError;

pub struct Aws {
    pub arns: Arns,
    /// The SDK configuration, for a client in another region (an image in another region's ECR).
    pub conf: aws_config::SdkConfig,
    pub ecs: aws_sdk_ecs::Client,
    pub scheduler: aws_sdk_scheduler::Client,
    pub iam: aws_sdk_iam::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub events: aws_sdk_eventbridge::Client,
    /// Where calls that wait (for IAM to propagate, for a deletion to finish) say so.
    pub out: Console,
}

impl Aws {
    /// Loads the SDK configuration for `region` and asks STS for the account id.
    pub async fn connect(region: &str, out: &Console) -> Result<Aws, InfraError> {
        let conf = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_owned()))
            .load()
            .await;
        let sts = aws_sdk_sts::Client::new(&conf);
        let identity = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| crate::aws_error::aws_err("the caller identity", "sts:GetCallerIdentity", e))?;
        let account = identity.account().unwrap_or_default().to_owned();
        if account.is_empty() {
            return Err(InfraError::Failed("sts:GetCallerIdentity returned no account id".into()));
        }
        // A local S3 stand-in (AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3) is addressed path-style,
        // by the same rule as the runtime's.
        let path_style = intervalprocessing_jobs::task_env::s3_path_style_from_env();
        let s3_conf = aws_sdk_s3::config::Builder::from(&conf).force_path_style(path_style).build();
        Ok(Aws {
            arns: Arns { region: region.to_owned(), account },
            ecs: aws_sdk_ecs::Client::new(&conf),
            scheduler: aws_sdk_scheduler::Client::new(&conf),
            iam: aws_sdk_iam::Client::new(&conf),
            ecr: aws_sdk_ecr::Client::new(&conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
            s3: aws_sdk_s3::Client::from_conf(s3_conf),
            sqs: aws_sdk_sqs::Client::new(&conf),
            sns: aws_sdk_sns::Client::new(&conf),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&conf),
            events: aws_sdk_eventbridge::Client::new(&conf),
            conf,
            out: out.clone(),
        })
    }

    /// The ECR client for `region` (the deployment's, or another).
    pub fn ecr_in(&self, region: &str) -> aws_sdk_ecr::Client {
        if region == self.arns.region {
            return self.ecr.clone();
        }
        let conf =
            aws_sdk_ecr::config::Builder::from(&self.conf).region(aws_config::Region::new(region.to_owned())).build();
        aws_sdk_ecr::Client::from_conf(conf)
    }
}
