//! An HTTP client for tests that checks every response against the OpenAPI document
//! (see `contract_check`) before the test sees it, and remembers which documented
//! operations it exercised. It offers the parts of reqwest's builder the tests use.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::sync::{Arc, Mutex};

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{IntoUrl, Method};
use serde::Serialize;

use crate::contract_check::{contract, Exercised};

#[derive(Clone)]
pub struct Client {
    inner: reqwest::Client,
    exercised: Arc<Mutex<BTreeSet<Exercised>>>,
}

impl Client {
    pub fn new(inner: reqwest::Client) -> Self {
        Client {
            inner,
            exercised: Arc::default(),
        }
    }

    pub fn request(&self, method: Method, url: impl IntoUrl) -> Request {
        Request {
            inner: self.inner.request(method, url),
            exercised: self.exercised.clone(),
        }
    }

    pub fn get(&self, url: impl IntoUrl) -> Request {
        self.request(Method::GET, url)
    }

    pub fn head(&self, url: impl IntoUrl) -> Request {
        self.request(Method::HEAD, url)
    }

    pub fn post(&self, url: impl IntoUrl) -> Request {
        self.request(Method::POST, url)
    }

    pub fn patch(&self, url: impl IntoUrl) -> Request {
        self.request(Method::PATCH, url)
    }

    pub fn delete(&self, url: impl IntoUrl) -> Request {
        self.request(Method::DELETE, url)
    }

    /// The documented operations this client called, with the statuses they answered.
    pub fn exercised(&self) -> BTreeSet<Exercised> {
        self.exercised.lock().unwrap().clone()
    }
}

pub struct Request {
    inner: reqwest::RequestBuilder,
    exercised: Arc<Mutex<BTreeSet<Exercised>>>,
}

impl Request {
    fn map(self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        Request {
            inner: f(self.inner),
            exercised: self.exercised,
        }
    }

    pub fn bearer_auth(self, token: impl Display) -> Self {
        self.map(|r| r.bearer_auth(token))
    }

    pub fn header<K, V>(self, key: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.map(|r| r.header(key, value))
    }

    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|r| r.json(body))
    }

    pub fn form<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|r| r.form(body))
    }

    pub fn body(self, body: impl Into<reqwest::Body>) -> Self {
        self.map(|r| r.body(body))
    }

    pub fn multipart(self, form: reqwest::multipart::Form) -> Self {
        self.map(|r| r.multipart(form))
    }

    /// Sends, checks the response against the document (a mismatch fails the test) and
    /// hands it back unchanged.
    pub async fn send(self) -> reqwest::Result<reqwest::Response> {
        let (client, request) = self.inner.build_split();
        let request = request?;
        let (method, path) = (request.method().clone(), request.url().path().to_owned());
        let response = client.execute(request).await?;
        let (status, headers) = (response.status(), response.headers().clone());
        let body = response.bytes().await?;
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        match contract().check(method.as_str(), &path, status.as_u16(), content_type, &body) {
            Ok(Some(done)) => {
                self.exercised.lock().unwrap().insert(done);
            }
            Ok(None) => {}
            Err(problem) => panic!("{method} {path} -> {status}: {problem}"),
        }
        let mut rebuilt = http::Response::builder().status(status);
        if let Some(all) = rebuilt.headers_mut() {
            *all = headers;
        }
        Ok(reqwest::Response::from(
            rebuilt.body(body).expect("a response from its own parts"),
        ))
    }
}
