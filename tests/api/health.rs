use crate::both_backends;

both_backends! {
    async fn health_readiness_and_metrics_answer(app: TestApp) {
        assert_eq!(app.api.get(app.url("/healthz")).send().await.unwrap().status(), 200);
        let ready = app.api.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let metrics = app.api.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("fission_http_requests_total"), "{metrics}");
        // Series are labelled by route pattern, never by raw path.
        assert!(metrics.contains("route=\"/readyz\""));
    }

    async fn unknown_routes_get_the_contract_error_body(app: TestApp) {
        let response = app.api.get(app.url("/nope")).send().await.unwrap();
        assert_eq!(response.status(), 404);
        assert_eq!(crate::helpers::error_code(response).await, "not_found");
    }

    async fn the_openapi_document_is_served(app: TestApp) {
        let response = app.api.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let doc: serde_json::Value = response.json().await.unwrap();
        assert!(doc["paths"]["/api/v1/campaigns"].is_object());
    }
}
