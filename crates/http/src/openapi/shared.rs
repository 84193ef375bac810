//! What every operation shares, stated once in `components` and referenced: the standard
//! problem responses (with an example each), the headers the server always sends, the
//! conditional-request parameters, the CSRF scheme and the problem-code set.

use serde_json::{Value, json};
use utoipa::openapi::{
    self, Content, ObjectBuilder, RefOr, Required, ResponseBuilder, Schema, Type,
    example::ExampleBuilder,
    extensions::ExtensionsBuilder,
    header::{Header, HeaderBuilder},
    path::{ParameterBuilder, ParameterIn},
    schema::{AnyOfBuilder, Ref},
};

use crate::error::{PROBLEM_JSON, ProblemCode};

pub(super) fn component_ref(kind: &str, name: &str) -> Ref {
    Ref::new(format!("#/components/{kind}/{name}"))
}

fn header(kind: Type, description: &str) -> Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(kind)))
        .description(Some(description))
        .build()
}

pub(super) fn header_ref(name: &str) -> RefOr<Header> {
    RefOr::Ref(component_ref("headers", name))
}

/// The example problem a client gets for `code`.
fn problem_example(code: ProblemCode) -> Value {
    let mut example = json!({
        "type": format!("urn:agora:problem:{}", code.as_str()),
        "title": code.title(),
        "status": code.status().as_u16(),
        "detail": code.meaning(),
        "code": code.as_str(),
    });
    if code == ProblemCode::ValidationFailed {
        example["errors"] = json!([{"field": "email", "message": "must be an address of the form name@example.com"}]);
    }
    example
}

/// The shared error responses: (component name, the codes it lists). An operation whose codes
/// under a status are one of these sets refers to it instead of spelling it out.
const STANDARD: &[(&str, &[ProblemCode])] = &[
    ("MalformedJson", &[ProblemCode::MalformedJson]),
    ("RequestTimeout", &[ProblemCode::RequestTimeout]),
    ("PayloadTooLarge", &[ProblemCode::PayloadTooLarge]),
    ("UnsupportedMediaType", &[ProblemCode::UnsupportedMediaType]),
    ("ValidationFailed", &[ProblemCode::ValidationFailed]),
    (
        "Unauthenticated",
        &[
            ProblemCode::Unauthenticated,
            ProblemCode::InvalidToken,
            ProblemCode::SessionRevoked,
        ],
    ),
    ("CsrfFailed", &[ProblemCode::CsrfFailed]),
    (
        "Forbidden",
        &[ProblemCode::Forbidden, ProblemCode::CsrfFailed],
    ),
    ("NotFound", &[ProblemCode::NotFound]),
    ("PreconditionFailed", &[ProblemCode::PreconditionFailed]),
    ("RateLimited", &[ProblemCode::RateLimited]),
    ("InternalError", &[ProblemCode::InternalError]),
    ("ServiceUnavailable", &[ProblemCode::ServiceUnavailable]),
];

/// The extension that lists a problem response's codes, machine-readably.
const CODES_EXTENSION: &str = "x-problem-codes";

/// The shared response listing exactly `codes`, if there is one.
pub(super) fn standard_ref(codes: &[ProblemCode]) -> Option<RefOr<openapi::Response>> {
    STANDARD
        .iter()
        .find(|(_, listed)| *listed == codes)
        .map(|(name, _)| RefOr::Ref(component_ref("responses", name)))
}

/// The response for one status that lists `codes` (all of that status): each code with its
/// meaning in the description, in the `x-problem-codes` extension, and as an example.
pub(crate) fn problem_response(codes: &[ProblemCode]) -> openapi::Response {
    let mut content = Content::new(Some(RefOr::Ref(openapi::Ref::from_schema_name("Problem"))));
    if let [code] = codes {
        content.example = Some(problem_example(*code));
    } else {
        for code in codes {
            let example = ExampleBuilder::new()
                .value(Some(problem_example(*code)))
                .build();
            content
                .examples
                .insert(code.as_str().into(), RefOr::T(example));
        }
    }
    let description = match codes {
        [code] => format!("`{}`: {}", code.as_str(), code.meaning()),
        _ => codes
            .iter()
            .map(|code| format!("- `{}`: {}", code.as_str(), code.meaning()))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let listed: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, content)
        .extensions(Some(
            ExtensionsBuilder::new()
                .add(CODES_EXTENSION, json!(listed))
                .build(),
        ))
        .build();
    if let Some(code) = codes.first() {
        retry_after_on(code.status().as_u16(), &mut response);
    }
    response
}

/// The codes a problem response lists (see `problem_response`).
pub(super) fn codes_of(response: &openapi::Response) -> Option<Vec<ProblemCode>> {
    let listed = response.extensions.as_ref()?.get(CODES_EXTENSION)?;
    listed
        .as_array()?
        .iter()
        .map(|name| {
            ProblemCode::ALL
                .iter()
                .find(|code| Some(code.as_str()) == name.as_str())
                .copied()
        })
        .collect()
}

fn retry_after_on(status: u16, response: &mut openapi::Response) {
    if status == 429 || status == 503 {
        response
            .headers
            .insert("Retry-After".into(), header_ref("Retry-After"));
    }
}

/// Declares the components every operation refers to.
pub(super) fn components(doc: &mut openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, codes) in STANDARD {
        components
            .responses
            .insert((*name).into(), RefOr::T(problem_response(codes)));
    }
    for (name, kind, description) in [
        (
            "X-Request-Id",
            Type::String,
            "The request's id (the client's own, when it sent a sane one): quote it when reporting a problem",
        ),
        (
            "RateLimit-Policy",
            Type::String,
            "The client's request budgets, e.g. `\"general\";q=600;w=60`",
        ),
        (
            "RateLimit",
            Type::String,
            "What is left of each budget, e.g. `\"general\";r=599;t=60`",
        ),
        (
            "Retry-After",
            Type::Integer,
            "Seconds until a retry can succeed",
        ),
        (
            "ETag",
            Type::String,
            "The representation's version tag: send it back in `If-Match` (writes) or `If-None-Match` (reads)",
        ),
        (
            "Location",
            Type::String,
            "The address of the created resource",
        ),
        (
            "Set-Cookie",
            Type::String,
            "The session cookies (`access_token`, `refresh_token`, `csrf_token`, and `device` on login), set or cleared",
        ),
    ] {
        components
            .headers
            .insert(name.into(), RefOr::T(header(kind, description)));
    }
    for (name, param, description) in [
        (
            "IfMatch",
            "If-Match",
            "Only write if the resource's current `ETag` is one of these (or `*`); else 412 `precondition_failed`",
        ),
        (
            "IfNoneMatch",
            "If-None-Match",
            "Answer 304 without a body if the current `ETag` is one of these",
        ),
    ] {
        components.parameters.insert(
            name.into(),
            RefOr::T(
                ParameterBuilder::new()
                    .name(param)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(description))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build(),
            ),
        );
    }
    let mut not_modified = ResponseBuilder::new()
        .description("Not modified: `If-None-Match` matched the current `ETag`")
        .build();
    not_modified
        .headers
        .insert("ETag".into(), header_ref("ETag"));
    components
        .responses
        .insert("NotModified".into(), RefOr::T(not_modified));
    for (name, response) in components.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        response
            .headers
            .insert("X-Request-Id".into(), header_ref("X-Request-Id"));
        if name == "RateLimited" {
            response
                .headers
                .insert("RateLimit".into(), header_ref("RateLimit"));
            response
                .headers
                .insert("RateLimit-Policy".into(), header_ref("RateLimit-Policy"));
        }
    }
    problem_codes(components);
}

/// `ProblemCode` is the documented set; `Problem.code` is that set or any other string, so a
/// client generated today still parses a code added tomorrow.
fn problem_codes(components: &mut openapi::Components) {
    let listing: Vec<String> = ProblemCode::ALL
        .iter()
        .map(|c| {
            format!(
                "- `{}` ({}): {}",
                c.as_str(),
                c.status().as_u16(),
                c.meaning()
            )
        })
        .collect();
    let codes = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ProblemCode::ALL.iter().map(|c| c.as_str())))
        .description(Some(format!(
            "Every problem code the server sends today. New codes may be added: treat an \
             unknown code by its `status`.\n\n{}",
            listing.join("\n")
        )))
        .build();
    components
        .schemas
        .insert("ProblemCode".into(), RefOr::T(Schema::Object(codes)));
    if let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem") {
        let open = AnyOfBuilder::new()
            .item(RefOr::Ref(openapi::Ref::from_schema_name("ProblemCode")))
            .item(ObjectBuilder::new().schema_type(Type::String))
            .description(Some(
                "Stable snake_case identifier clients can branch on: one of `ProblemCode`, or a \
                 code added later.",
            ))
            .build();
        problem
            .properties
            .insert("code".into(), RefOr::T(Schema::AnyOf(open)));
    }
}
