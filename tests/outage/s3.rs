//! The S3 endpoint goes away in the middle of the daily file's upload.
