//! The OpenAPI document (`static/openapi.json`, served at `/api/openapi.json`)
//! as a contract on what the handlers really answer: every answer an API test
//! receives must have a documented path, method and status, and its JSON body
//! must validate against the schema the document gives for it.
//!
//! OpenAPI 3.0's schemas are read as JSON Schema (draft 7, formats checked):
//! `$ref`s to `#/components/schemas/…` are resolved in place, `nullable:
//! true` becomes a type union with `null`, an `allOf` of objects is one
//! object, and an object's `properties` are all it may have unless it says
//! otherwise (`additionalProperties`): a field a handler returns that the
//! document does not name is drift too.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::{json, Map, Value};

use crate::common::Resp;

/// The document the server serves.
pub static DOC: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(ogi_web::api::OPENAPI).expect("static/openapi.json is JSON"));

/// Compiled validators, by the schema's place in the document.
static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = LazyLock::new(Default::default);

/// The documented path (template) a concrete path falls under: the one with
/// the most literal segments that matches.
pub fn template(path: &str) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let paths = DOC["paths"].as_object()?;
    let matches = |t: &str| {
        let ts: Vec<&str> = t.split('/').collect();
        ts.len() == segments.len()
            && ts
                .iter()
                .zip(&segments)
                .all(|(t, s)| *t == *s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty()))
    };
    paths
        .keys()
        .filter(|t| matches(t))
        .max_by_key(|t| t.split('/').filter(|s| !s.starts_with('{')).count())
        .map(String::as_str)
}

/// The operation object of `method` on a documented path template.
pub fn operation(method: &str, template: &str) -> Option<&'static Value> {
    DOC["paths"][template].get(method.to_ascii_lowercase())
}

/// Panics, naming the request and the answer, unless the answer is what the
/// document says `method path` answers.
pub fn conforms(method: &str, path: &str, r: &Resp) {
    if let Err(e) = check(method, path, r) {
        panic!("{method} {path} answered {} against the OpenAPI document: {e}\n{}", r.status, r.text());
    }
}

/// The same, returning why not.
pub fn check(method: &str, path: &str, r: &Resp) -> Result<(), String> {
    let t = template(path).ok_or("no such path in the document")?;
    let op = operation(method, t).ok_or_else(|| format!("{method} is not documented for {t}"))?;
    let status = r.status.to_string();
    let Some(response) = op["responses"].get(&status) else {
        let documented: Vec<&String> = op["responses"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
        return Err(format!("status {status} is not documented (only {documented:?})"));
    };
    let place = format!("{t} {} {status}", method.to_ascii_lowercase());
    let response = deref_response(response)?;
    for (name, header) in response.get("headers").and_then(Value::as_object).into_iter().flatten() {
        if header.get("required") == Some(&Value::Bool(true)) && r.header(name).is_none() {
            return Err(format!("no {name} header, which the document requires"));
        }
    }
    body_conforms(&place, response, r)
}

/// An answer to a path or method the document does not have (asserted): the
/// API's error object all the same.
pub fn undocumented_error(method: &str, path: &str, r: &Resp) {
    if let Some(t) = template(path) {
        assert!(operation(method, t).is_none(), "{method} {path} is documented ({t})");
    }
    let error = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    if let Err(e) = body_conforms("#/components/schemas/Error", &error, r) {
        panic!("{method} {path} answered {}: {e}\n{}", r.status, r.text());
    }
}

/// A response object, `#/components/responses/…` resolved.
fn deref_response(response: &'static Value) -> Result<&'static Value, String> {
    match response.get("$ref").and_then(Value::as_str) {
        None => Ok(response),
        Some(r) => {
            let name = r.strip_prefix("#/components/responses/").ok_or_else(|| format!("$ref {r}"))?;
            let target = &DOC["components"]["responses"][name];
            target.is_object().then_some(target).ok_or_else(|| format!("unresolved $ref {r}"))
        }
    }
}

/// The answer's content type is documented for the response, and its body
/// validates against that content's schema.
fn body_conforms(place: &str, response: &Value, r: &Resp) -> Result<(), String> {
    let media = r.header("content-type").and_then(|c| c.split(';').next()).map(str::trim).unwrap_or_default();
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return match r.body.is_empty() {
            true => Ok(()),
            false => Err(format!("documented without a body, answered with {media:?}")),
        };
    };
    let media_type = content.get(media).ok_or_else(|| {
        format!("content type {media:?} is not documented (only {:?})", content.keys().collect::<Vec<_>>())
    })?;
    let schema = media_type.get("schema").ok_or("the document gives no schema for this answer")?;
    if media != "application/json" {
        return Ok(());
    }
    let body: Value = serde_json::from_slice(&r.body).map_err(|e| format!("not JSON: {e}"))?;
    let validator = validator(place, schema)?;
    let errors: Vec<String> =
        validator.iter_errors(&body).map(|e| format!("at {:?}: {e}", e.instance_path().as_str())).collect();
    match errors.is_empty() {
        true => Ok(()),
        false => Err(errors.join("; ")),
    }
}

/// The compiled JSON Schema of an OpenAPI schema (cached by its place).
pub fn validator(place: &str, schema: &Value) -> Result<Arc<jsonschema::Validator>, String> {
    let key = format!("{place} {schema}");
    if let Some(v) = VALIDATORS.lock().unwrap().get(&key) {
        return Ok(v.clone());
    }
    let converted = json_schema(schema, &mut Vec::new())?;
    let v = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&converted)
        .map_err(|e| format!("the schema does not compile: {e}\n{converted}"))?;
    let v = Arc::new(v);
    VALIDATORS.lock().unwrap().insert(key, v.clone());
    Ok(v)
}

/// OpenAPI 3.0 annotations with no say in validation.
const ANNOTATIONS: &[&str] = &["description", "example", "deprecated", "readOnly", "writeOnly", "xml", "externalDocs"];

/// An OpenAPI 3.0 schema as a self-contained JSON Schema.
pub fn json_schema(schema: &Value, stack: &mut Vec<String>) -> Result<Value, String> {
    let Value::Object(m) = schema else { return Ok(schema.clone()) };
    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
        // Siblings of a $ref are ignored in OpenAPI 3.0.
        let name = r.strip_prefix("#/components/schemas/").ok_or_else(|| format!("$ref {r} is not to a schema"))?;
        if stack.iter().any(|s| s == name) {
            return Err(format!("recursive schema {name}"));
        }
        let target = &DOC["components"]["schemas"][name];
        if !target.is_object() {
            return Err(format!("unresolved $ref {r}"));
        }
        stack.push(name.to_string());
        let out = json_schema(target, stack);
        stack.pop();
        return out;
    }
    let mut out = Map::new();
    for (k, v) in m {
        if ANNOTATIONS.contains(&k.as_str()) || k == "nullable" || k.starts_with("x-") {
            continue;
        }
        let v = match (k.as_str(), v) {
            ("properties", Value::Object(props)) => Value::Object(
                props.iter().map(|(p, s)| Ok((p.clone(), json_schema(s, stack)?))).collect::<Result<_, String>>()?,
            ),
            ("items" | "additionalProperties" | "not", Value::Object(_)) => json_schema(v, stack)?,
            ("allOf" | "anyOf" | "oneOf", Value::Array(all)) => {
                Value::Array(all.iter().map(|s| json_schema(s, stack)).collect::<Result<_, _>>()?)
            }
            ("discriminator", _) => continue,
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    // OpenAPI 3.0's boolean exclusive bounds.
    for (bound, limit) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(Value::Bool(b)) = out.get(bound).cloned() {
            out.remove(bound);
            if b {
                let l = out.remove(limit).ok_or_else(|| format!("{bound} without {limit}"))?;
                out.insert(bound.into(), l);
            }
        }
    }
    one_object(&mut out)?;
    if out.contains_key("properties") && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    if m.get("nullable") == Some(&Value::Bool(true)) {
        return Ok(nullable(out));
    }
    Ok(Value::Object(out))
}

/// An `allOf` whose parts are all plain objects, as one object with every
/// part's properties and required fields.
fn one_object(out: &mut Map<String, Value>) -> Result<(), String> {
    let Some(Value::Array(parts)) = out.get("allOf") else { return Ok(()) };
    let plain = |p: &Value| {
        p.as_object().is_some_and(|o| {
            o.get("type") == Some(&json!("object"))
                && o.keys().all(|k| ["type", "properties", "required", "additionalProperties"].contains(&k.as_str()))
                && o.get("additionalProperties").is_none_or(|a| a == &json!(false))
        })
    };
    if !parts.iter().all(plain) {
        return Ok(());
    }
    let (mut properties, mut required) = (Map::new(), Vec::<Value>::new());
    for part in parts {
        for (name, s) in part["properties"].as_object().into_iter().flatten() {
            if properties.insert(name.clone(), s.clone()).is_some() {
                return Err(format!("property {name} is in two parts of an allOf"));
            }
        }
        for r in part["required"].as_array().into_iter().flatten() {
            if !required.contains(r) {
                required.push(r.clone());
            }
        }
    }
    out.remove("allOf");
    out.insert("type".into(), json!("object"));
    out.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    Ok(())
}

/// `nullable: true`: `null` as well.
fn nullable(mut out: Map<String, Value>) -> Value {
    match out.get("type").cloned() {
        Some(Value::String(t)) => {
            out.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(mut ts)) => {
            if !ts.contains(&json!("null")) {
                ts.push(json!("null"));
            }
            out.insert("type".into(), Value::Array(ts));
        }
        _ => return json!({"anyOf": [out, {"type": "null"}]}),
    }
    if let Some(Value::Array(e)) = out.get_mut("enum") {
        if !e.contains(&Value::Null) {
            e.push(Value::Null);
        }
    }
    Value::Object(out)
}
