//! The sandboxed script step, on the Rhai engine: no modules, no file,
//! network or process access (Rhai has none built in and `print`/`debug`
//! are silenced), and hard limits on operations, call depth and sizes.
//!
//! A script's time is bounded by counting the engine's operations, not the
//! clock: the same script on the same input passes or fails the same way
//! however loaded the machine is (a wall-clock limit failed scripts that were
//! within their budget whenever the CPU was contended). A million operations
//! take well under a second on one core.

use std::sync::OnceLock;

use rhai::{Dynamic, Engine, Scope};
use serde_json::Value;

/// Operations a script may run (a loop iteration is a few).
pub const MAX_OPERATIONS: u64 = 1_000_000;
pub const MAX_STRING_BYTES: usize = 1024 * 1024;
pub const MAX_COLLECTION_ITEMS: usize = 100_000;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut engine = Engine::new();
        engine
            .set_max_operations(MAX_OPERATIONS)
            .set_max_call_levels(32)
            .set_max_expr_depths(64, 32)
            .set_max_string_size(MAX_STRING_BYTES)
            .set_max_array_size(MAX_COLLECTION_ITEMS)
            .set_max_map_size(MAX_COLLECTION_ITEMS)
            .set_max_variables(1_000)
            .set_max_functions(100);
        engine.on_print(|_| {});
        engine.on_debug(|_, _, _| {});
        engine
    })
}

/// Parses a script once, when the revision is compiled.
pub fn compile(code: &str) -> Result<rhai::AST, String> {
    engine().compile(code).map_err(|err| format!("script does not parse: {err}"))
}

#[derive(Debug)]
pub enum ScriptError {
    /// The script broke a limit (time, operations, size): a definition fault.
    Limit(String),
    /// The script failed (a type error, `throw`, …).
    Failed(String),
}

/// Runs a compiled script with the request's values in scope (`request`,
/// `caller`, `env`, `vars`, `steps`); its last expression is the result.
/// Runs on a blocking thread: a busy script must not stall the async workers.
pub async fn run(ast: std::sync::Arc<rhai::AST>, inputs: [(&'static str, Value); 5]) -> Result<Value, ScriptError> {
    tokio::task::spawn_blocking(move || run_blocking(&ast, inputs)).await.map_err(|err| ScriptError::Failed(err.to_string()))?
}

fn run_blocking(ast: &rhai::AST, inputs: [(&'static str, Value); 5]) -> Result<Value, ScriptError> {
    let mut scope = Scope::new();
    for (name, value) in inputs {
        let dynamic = rhai::serde::to_dynamic(value).map_err(|err| ScriptError::Failed(err.to_string()))?;
        scope.push_constant_dynamic(name, dynamic);
    }
    let result = engine().eval_ast_with_scope::<Dynamic>(&mut scope, ast);
    let result = result.map_err(|err| match *err {
        rhai::EvalAltResult::ErrorTooManyOperations(_) => ScriptError::Limit(format!("the script ran more than {MAX_OPERATIONS} operations")),
        rhai::EvalAltResult::ErrorDataTooLarge(what, _) => ScriptError::Limit(format!("the script's {what} grew too large")),
        rhai::EvalAltResult::ErrorStackOverflow(_) => ScriptError::Limit("the script nested calls too deeply".into()),
        other => ScriptError::Failed(other.to_string()),
    })?;
    rhai::serde::from_dynamic::<Value>(&result).map_err(|err| ScriptError::Failed(err.to_string()))
}
