//! The one catalogue of error codes environments' APIs (the data plane)
//! answer with, in
//! `{"error":{"code","message"}}`. Every data-plane error is built from it
//! (the type allows nothing else); the OpenAPI export lists it, generated
//! expectations use it, and `docs/errors.md` documents it (a test checks the
//! two agree).

use axum::http::StatusCode;

macro_rules! catalogue {
    ($($variant:ident = $code:literal, $status:literal, $meaning:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($variant),* }

        impl ErrorCode {
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),* }
            }

            /// The status it is usually sent with (`CHECK_FAILED` takes the check's own).
            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::from_u16($status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)),* }
            }

            pub fn meaning(self) -> &'static str {
                match self { $(ErrorCode::$variant => $meaning),* }
            }
        }
    };
}

catalogue! {
    InvalidInput = "INVALID_INPUT", 400, "The request does not fit the router's input schema, a column's rules, or a filter (`details` lists the fields).";
    InvalidJson = "INVALID_JSON", 400, "The body is not valid JSON.";
    BadRequest = "BAD_REQUEST", 400, "An expression of the router could not be evaluated with this request's values (arithmetic on a missing field, say).";
    CheckFailed = "CHECK_FAILED", 400, "A `check` step of the router refused the request; the status is the check's own (a 4xx).";
    Unauthenticated = "UNAUTHENTICATED", 401, "No valid bearer token where the router needs a signed-in caller, or wrong credentials at sign-in.";
    Forbidden = "FORBIDDEN", 403, "The caller is signed in but not in a group the router allows.";
    SignupClosed = "SIGNUP_CLOSED", 403, "Sign-up is closed in this environment.";
    CorsRefused = "CORS_REFUSED", 403, "A CORS preflight from an origin the environment does not allow.";
    NotFound = "NOT_FOUND", 404, "No such route, environment or row (rows of others on owner-only routers are not found either).";
    MethodNotAllowed = "METHOD_NOT_ALLOWED", 405, "The path is served, not with this method (`Allow` lists those that are).";
    Conflict = "CONFLICT", 409, "A unique column already holds the value (`details` names the column).";
    PayloadTooLarge = "PAYLOAD_TOO_LARGE", 413, "The body is larger than the environment's `maxBodyBytes`, or a file larger than its column's `maxBytes` or the environment's `maxFileBytes`.";
    QuotaExceeded = "QUOTA_EXCEEDED", 413, "A file that would take the environment's files past its `fileQuotaBytes`.";
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE", 415, "A body that is neither `application/json` nor, on routers that take files, `multipart/form-data`; or a file of a type its column does not accept.";
    RangeNotSatisfiable = "RANGE_NOT_SATISFIABLE", 416, "A `Range` header past the end of a row's file (`GET /files/{table}/{id}/{column}`); `Content-Range` gives the size.";
    RateLimited = "RATE_LIMITED", 429, "Over the environment's request rate, or too many sign-in attempts (`Retry-After` says when to retry).";
    Internal = "INTERNAL", 500, "A fault of the server; details are in its log only.";
    ScriptFailed = "SCRIPT_FAILED", 500, "A script step failed (a type error, a `throw`).";
    ScriptLimit = "SCRIPT_LIMIT", 500, "A script step went over its operations, size or depth limits.";
    NotReady = "NOT_READY", 503, "The environment serves nothing yet: refresh it.";
    Overloaded = "OVERLOADED", 503, "Over the environment's concurrent-request limit; retry shortly.";
    RouterDisabled = "ROUTER_DISABLED", 503, "The router is switched off in this environment's settings (an owner chose 503; otherwise it answers 404 `NOT_FOUND`).";
    Busy = "BUSY", 503, "The database stayed locked (by a migration, say); retry shortly.";
    Timeout = "TIMEOUT", 504, "The request ran longer than the environment's `requestTimeoutMs`.";
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn the_documentation_lists_every_code_and_no_other() {
        let doc = include_str!("../../../docs/errors.md");
        let documented: Vec<&str> = doc.lines().filter_map(|l| l.strip_prefix("| `")).filter_map(|l| l.split('`').next()).collect();
        let catalogue: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(documented, catalogue, "docs/errors.md and error::api_codes disagree");
        for code in ErrorCode::ALL {
            let row = doc.lines().find(|l| l.starts_with(&format!("| `{}`", code.as_str()))).unwrap_or_default();
            assert!(row.contains(&format!("| {} |", code.status().as_u16())), "{row}");
        }
    }
}
