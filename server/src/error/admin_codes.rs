//! The one catalogue of codes the admin API sends: `extensions.code` of
//! GraphQL errors, and `error.code` of the admin's HTTP endpoints (files,
//! exports). `ServiceError::code` and every refusal made outside a service
//! name a variant, so a code cannot be sent without being listed here; the
//! README's GraphQL section lists them all (a test checks the two agree).

macro_rules! catalogue {
    ($($variant:ident = $code:literal, $meaning:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum AdminCode { $($variant),* }

        impl AdminCode {
            pub const ALL: &[AdminCode] = &[$(AdminCode::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(AdminCode::$variant => $code),* }
            }

            pub fn meaning(self) -> &'static str {
                match self { $(AdminCode::$variant => $meaning),* }
            }
        }
    };
}

catalogue! {
    Unauthenticated = "UNAUTHENTICATED", "Not signed in, a session or token that expired, or a wrong email or password.";
    Forbidden = "FORBIDDEN", "The admin's role (or the environment's capabilities) does not allow it.";
    BadUserInput = "BAD_USER_INPUT", "An argument, a document or a field that is not valid (`extensions.field`, `extensions.problems`).";
    NotFound = "NOT_FOUND", "No such environment, router, row, run, release or file.";
    Conflict = "CONFLICT", "A name or value that exists already, or a save on a stale revision.";
    RateLimited = "RATE_LIMITED", "Too many sign-in attempts (`extensions.retryAfterSeconds`).";
    TestsNotPassed = "TESTS_NOT_PASSED", "A deploy whose revision's latest test run is not green (`extensions.failedCases`).";
    Timeout = "TIMEOUT", "Work that ran past its time budget.";
    Busy = "BUSY", "A database that stayed locked; retry shortly.";
    PayloadTooLarge = "PAYLOAD_TOO_LARGE", "A request body or upload over its limit.";
    QuotaExceeded = "QUOTA_EXCEEDED", "An upload past the environment's file quota.";
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE", "A file of a type that is not accepted here.";
    RangeNotSatisfiable = "RANGE_NOT_SATISFIABLE", "A download's `Range` past the end of the file (416 from `/admin/files/…`).";
    Lagged = "LAGGED", "A `requestLogTail` subscriber fell behind and records were skipped.";
    BadRequest = "BAD_REQUEST", "A body that is not one GraphQL request.";
    Internal = "INTERNAL", "A fault of the server; details are in its log only.";
}
