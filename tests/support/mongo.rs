//! A database of its own per test, on the MongoDB-wire server `scripts/test` started.

use mongodb::bson::Document;
use mongodb::{Client, Database};

use super::cli::Cli;

pub struct TestDb {
    pub uri: String,
    pub name: String,
    pub db: Database,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let uri = std::env::var("IP_TEST_MONGODB_URI")
            .unwrap_or_else(|_| panic!("IP_TEST_MONGODB_URI is not set: run the tests through scripts/test"));
        let name = super::names::unique_name("t").replace('-', "_");
        TestDb::new_on(&uri, &name).await
    }

    /// The database `name` on the server at `uri` (a server of the test's own).
    pub async fn new_on(uri: &str, name: &str) -> TestDb {
        let client = Client::with_uri_str(uri).await.unwrap_or_else(|e| panic!("bad MongoDB URI {uri}: {e}"));
        TestDb { uri: uri.to_owned(), name: name.to_owned(), db: client.database(name) }
    }

    /// The binary, pointed at this database.
    pub fn cli(&self) -> Cli {
        Cli::new().env("MONGODB_URI", &self.uri).env("MONGODB_DATABASE", &self.name)
    }

    /// Every document of `collection` without `_id`, sorted by `sort`.
    pub async fn dump(&self, collection: &str, sort: Document) -> Vec<Document> {
        use futures::TryStreamExt;
        let cursor = self
            .db
            .collection::<Document>(collection)
            .find(mongodb::bson::doc! {})
            .projection(mongodb::bson::doc! { "_id": 0 })
            .sort(sort)
            .await
            .unwrap_or_else(|e| panic!("find {collection}: {e}"));
        cursor.try_collect().await.unwrap_or_else(|e| panic!("read {collection}: {e}"))
    }
}
