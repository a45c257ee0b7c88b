"""letters over HTTP: settings and token, the request gate and connection bounds, the app and its handlers, OpenAPI, the issuing endpoint, the preview."""
